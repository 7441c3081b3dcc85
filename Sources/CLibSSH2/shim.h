#ifndef CONVERGE_CLIBSSH2_SHIM_H
#define CONVERGE_CLIBSSH2_SHIM_H

// libssh2's public API as Debian's libssh2-1-dev ships it. Swift cannot import
// function-like macros, so the ones converge needs are re-exposed below as
// `static inline` functions with the same meaning and a `cv_` prefix.

#include <libssh2.h>
#include <string.h>

static inline LIBSSH2_SESSION *cv_libssh2_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}

static inline int cv_libssh2_session_disconnect(LIBSSH2_SESSION *session, const char *description) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, description, "");
}

static inline LIBSSH2_CHANNEL *cv_libssh2_channel_open_session(LIBSSH2_SESSION *session) {
    return libssh2_channel_open_ex(session, "session", sizeof("session") - 1,
                                   LIBSSH2_CHANNEL_WINDOW_DEFAULT,
                                   LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
}

/// `command` may hold any bytes but NUL; its length is passed explicitly.
static inline int cv_libssh2_channel_exec(LIBSSH2_CHANNEL *channel, const char *command, unsigned int length) {
    return libssh2_channel_process_startup(channel, "exec", sizeof("exec") - 1, command, length);
}

/// A channel to `host`:`port` as the SSH server reaches them (`ssh -L`), e.g. a
/// service on the host's loopback; the originator given is the server's own.
static inline LIBSSH2_CHANNEL *cv_libssh2_channel_direct_tcpip(LIBSSH2_SESSION *session, const char *host, int port) {
    return libssh2_channel_direct_tcpip_ex(session, host, port, "127.0.0.1", 22);
}

static inline ssize_t cv_libssh2_channel_read(LIBSSH2_CHANNEL *channel, char *buffer, size_t length) {
    return libssh2_channel_read_ex(channel, 0, buffer, length);
}

static inline ssize_t cv_libssh2_channel_read_stderr(LIBSSH2_CHANNEL *channel, char *buffer, size_t length) {
    return libssh2_channel_read_ex(channel, SSH_EXTENDED_DATA_STDERR, buffer, length);
}

static inline ssize_t cv_libssh2_channel_write(LIBSSH2_CHANNEL *channel, const char *buffer, size_t length) {
    return libssh2_channel_write_ex(channel, 0, buffer, length);
}

static inline int cv_libssh2_userauth_password(LIBSSH2_SESSION *session, const char *user, const char *password) {
    return libssh2_userauth_password_ex(session, user, (unsigned int)strlen(user),
                                        password, (unsigned int)strlen(password), NULL);
}

static inline int cv_libssh2_userauth_publickey_fromfile(LIBSSH2_SESSION *session, const char *user,
                                                         const char *privateKey, const char *passphrase) {
    return libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned int)strlen(user),
                                                  NULL, privateKey, passphrase);
}

static inline int cv_libssh2_userauth_keyboard_interactive(
    LIBSSH2_SESSION *session, const char *user,
    LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC((*callback))) {
    return libssh2_userauth_keyboard_interactive_ex(session, user, (unsigned int)strlen(user), callback);
}

/// The `abstract` pointer libssh2 hands to callbacks such as keyboard-interactive.
static inline void cv_libssh2_session_set_abstract(LIBSSH2_SESSION *session, void *value) {
    *libssh2_session_abstract(session) = value;
}

static inline void *cv_libssh2_session_get_abstract(LIBSSH2_SESSION *session) {
    return *libssh2_session_abstract(session);
}

#endif
