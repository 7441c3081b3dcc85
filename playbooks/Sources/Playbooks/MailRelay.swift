import Converge

/// exim4 as Debian's "satellite": the host's own mail (cron's, fail2ban's, the backups')
/// is sent to the team's smarthost, nothing is delivered locally, and exim listens on
/// loopback only.
///
/// Debian keeps exim's settings in `/etc/exim4/update-exim4.conf.conf` and mirrors them in
/// debconf; exim4-config's `dpkg-reconfigure` reads that file back into debconf before it
/// writes it again. So the file is written first and debconf answered the same: a first
/// install takes the answers, and a changed answer reconfigures the package from a file
/// that already agrees.
struct MailRelay {
    /// Where mail goes: exim's `host::port` (`smtp.example.net::587`), from the `smarthost` var.
    var smarthost: String
    /// The host's own mail name (`web1.shop.example.com`), `/etc/mailname`.
    var mailname: String
    /// The domain the mail appears to come from, rather than the host's own name.
    var visibleDomain: String

    static let settingsFile = "/etc/exim4/update-exim4.conf.conf"

    /// `update-exim4.conf.conf`, as exim4-config writes it for these answers.
    var settings: String {
        """
        # Managed by converge: exim4 sends every mail to the smarthost (Debian's satellite).
        dc_eximconfig_configtype='satellite'
        dc_other_hostnames=''
        dc_local_interfaces='127.0.0.1'
        dc_readhost='\(visibleDomain)'
        dc_relay_domains=''
        dc_minimaldns='false'
        dc_relay_nets=''
        dc_smarthost='\(smarthost)'
        CFILEMODE='644'
        dc_use_split_config='false'
        dc_hide_mailname='true'
        dc_mailname_in_oh='true'
        dc_localdelivery='mail_spool'

        """
    }

    /// exim4-config's debconf answers for the same settings.
    var answers: [(question: String, type: Debconf.QuestionType, value: String)] {
        [
            ("exim4/dc_eximconfig_configtype", .select, "mail sent by smarthost; no local mail"),
            ("exim4/dc_smarthost", .string, smarthost),
            ("exim4/dc_local_interfaces", .string, "127.0.0.1"),
            ("exim4/dc_readhost", .string, visibleDomain),
            ("exim4/dc_minimaldns", .boolean, "false"),
            ("exim4/hide_mailname", .boolean, "true"),
            ("exim4/use_split_config", .boolean, "false"),
            ("exim4/mailname", .string, mailname),
        ]
    }
}
