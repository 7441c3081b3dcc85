#!/usr/bin/env python3
"""delay-proxy.py: TCP forwarding with a fixed one-way delay, for benchmarking under latency
where the kernel has no netem (this machine's does not).

    delay-proxy.py --delay-ms 30 --listen 10.231.0.1 --base-port 20000 HOST...

Forwards GATEWAY:BASE_PORT+i to HOST_i:22. Every chunk read from either side is written to
the other side DELAY later, in order: a round trip through it takes twice the delay, as
between a controller and a leased box in another datacentre.
"""
import argparse
import asyncio
import time


async def pump(reader, writer, delay):
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    delivery = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((time.monotonic() + delay, data))
    except (ConnectionError, asyncio.CancelledError):
        pass
    queue.put_nowait((time.monotonic() + delay, None))
    try:
        await delivery
    except ConnectionError:
        pass


def handler(target, delay):
    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(target, 22)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer, delay), pump(server_reader, client_writer, delay),
                             return_exceptions=True)
    return handle


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--listen", required=True)
    parser.add_argument("--base-port", type=int, required=True)
    parser.add_argument("hosts", nargs="+")
    args = parser.parse_args()
    servers = []
    for index, host in enumerate(args.hosts):
        servers.append(await asyncio.start_server(handler(host, args.delay_ms / 1000), args.listen,
                                                  args.base_port + index, backlog=256))
    print(f"delay-proxy: {len(servers)} endpoints, {args.delay_ms} ms each way", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(main())
