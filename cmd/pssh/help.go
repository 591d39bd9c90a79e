package main

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }

const usageText = `Usage: pssh [flags] COMMAND...
       pssh cp [flags] LOCAL REMOTE
       pssh slurp [flags] REMOTE LOCALDIR
       pssh nuke [flags] PATTERN
       pssh forward [flags] -L|-R [BIND:]PORT:HOST:HOSTPORT | -D [BIND:]PORT ...
       pssh testbed [-n N] [-dir DIR] [-- PSSH-FLAGS COMMAND...]

Run COMMAND on many hosts over SSH in parallel. Flag parsing stops at the
first argument that is not a flag (or at --): "pssh -H h1 ls -l /" runs
"ls -l /" on h1.

Hosts:
  -h, --hosts FILE        hosts file, repeatable: one or more [user@]host[:port]
                          a line, host ranges allowed, # comments, blank lines
  -H, --host HOSTS        hosts, repeatable, separated by spaces or commas
      --exclude HOSTS     hosts to leave out (ranges allowed); "!host" inside a
                          list or a hosts file does the same
  -g, --host-glob GLOB    keep only hosts matching GLOB (repeatable)
  Ranges: web[01-20].example.com, db[1-3,7], rack[1-2]-n[1-4], n[1-10/3]

Connection:
  -l, --user USER         remote user (default: the local user)
      --port N            port (default 22)
      --key FILE          private key file
  -A, --askpass           ask for a password once, without echo
      --password-file FILE  read the password from FILE's first line (FILE
                          must be readable by its owner only); without -A
                          or this, $PSSH_PASSWORD if set. Never on the
                          command line. An encrypted --key's passphrase is
                          $PSSH_PASSPHRASE, or asked for on a terminal
  -O, --option OPT        ssh_config option, repeatable: StrictHostKeyChecking,
                          HashKnownHosts, UserKnownHostsFile,
                          GlobalKnownHostsFile, Port, User, IdentityFile,
                          CertificateFile, ProxyJump, ProxyCommand, ForwardAgent,
                          ConnectTimeout, ConnectionAttempts, BatchMode, LogLevel
  -x, --extra-args ARGS   extra ssh arguments, split on spaces: -o, -i, -p, -J,
                          -F, -l with their ssh meaning
  -X, --extra-arg ARG     one extra ssh argument (repeatable)
      --known-hosts POLICY  hosts not in known_hosts: yes refuses them
                          (default); accept-new trusts and records them;
                          no accepts them unrecorded (insecure, warns).
                          A changed key is refused under every policy
      --connect-timeout S connect, handshake and authentication limit (default 10)
      --retries N         further connection attempts on refusal or timeout
  -J, --jump HOPS         jump hosts, [user@]host[:port] separated by commas
      --forward-agent     forward the SSH agent to the hosts (ssh -A)
      --env NAME=VALUE    environment variable for the command (repeatable;
                          the server must accept it: AcceptEnv)
  -F, --config FILE       ssh_config file instead of ~/.ssh/config (as ssh -F)

Running:
  -p, --par N             commands running at once (default 32); each further
                          host starts as another finishes
  -t, --timeout S         limit per host, connecting included; 0 = none (default 60)
  -I, --send-input        read standard input once and send it to every host
      --sudo              run the command with sudo
      --pty               ask for a pseudo-terminal (stderr joins stdout)

Output:
  (default)               one line per host as it finishes:
                          [3] 12:01:02 [SUCCESS] web03
                          [4] 12:01:02 [FAILURE] web04 exited 1
  -i, --inline            each host's output under its line
      --inline-stdout     the same, stdout only
  -P, --print             print lines as they arrive, as "host: line"
  -b, --gather            print each distinct output once under its hosts,
                          folded: web[01-18,20] (19)
      --json              one JSON object per host per line
  -o, --outdir DIR        write each host's stdout to DIR/HOST
  -e, --errdir DIR        write each host's stderr to DIR/HOST
  -v, --verbose           print each failed host's full error
  -V, --version           print the version
      --help              this help
  On a terminal (and NO_COLOR unset): colour, a progress line and a summary.

Exit status:
  0 every host succeeded            3 a host was killed, timed out or interrupted
  1 pssh itself failed              4 a host could not connect or authenticate
  2 usage error                     5 all connected; a command exited non-zero

Subcommands:
  cp [flags] LOCAL REMOTE  copy a file (a tree with -r) to every host: SFTP,
                          or --scp; --preserve-times keeps times. Takes the
                          host, connection and --json/-v flags of a run
  slurp [flags] REMOTE LOCALDIR  fetch REMOTE from every host into
                          LOCALDIR/HOST/; -r, --scp, --preserve-times as cp.
                          Exit 4: a host could not connect; 5: a copy failed
  nuke PATTERN            kill the processes whose name matches PATTERN
                          (pkill -9) on the hosts; takes the same flags
  forward -L|-R|-D SPEC   forward ports through one host as ssh -L, -R, -D
                          (SOCKS5), on loopback, until Ctrl-C
  testbed [-n N] [-dir DIR]  start N local test SSH servers on 127.0.0.x and
                          print how to run pssh against them; with
                          "-- PSSH-FLAGS COMMAND..." run pssh with them
                          against the servers instead, and exit
`
