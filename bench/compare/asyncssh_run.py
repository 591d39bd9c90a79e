"""Run one command on many hosts at once with asyncssh, for bench/compare.

Connects to every host of --hosts (lines "NAME IP") concurrently, on one
event loop in one process, with one key and one known_hosts file (hosts
are checked against it), runs the command, reads its output to the end
and counts it. Prints "OK NAME BYTES" for each host whose command exited
0, "FAIL NAME REASON" for the others, and exits 1 if any host failed.
"""

import argparse
import asyncio
import sys
import warnings

warnings.simplefilter("ignore")

import asyncssh  # noqa: E402  (after silencing its deprecation warnings)


async def run_one(name, ip, args):
    try:
        async with asyncssh.connect(
            ip,
            port=args.port,
            username=args.user,
            client_keys=[args.key],
            known_hosts=args.known_hosts,
            agent_path=None,
            config=[],
            connect_timeout=args.timeout,
        ) as conn:
            proc = await conn.create_process(args.command, encoding=None)
            count = 0
            while True:
                chunk = await proc.stdout.read(1 << 16)
                if not chunk:
                    break
                count += len(chunk)
            await proc.wait()
            if proc.exit_status != 0:
                return f"FAIL {name} exit status {proc.exit_status}"
            return f"OK {name} {count}"
    except Exception as e:  # report every failure as one line
        return f"FAIL {name} {type(e).__name__}: {e}"


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hosts", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--known-hosts", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("command", nargs="+")
    args = p.parse_args()
    args.command = " ".join(args.command)
    hosts = []
    with open(args.hosts) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 2:
                hosts.append(fields)
    lines = await asyncio.gather(*(run_one(n, ip, args) for n, ip in hosts))
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0 if all(line.startswith("OK ") for line in lines) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
