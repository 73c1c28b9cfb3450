//! What a program does with the container's lifetime and with `docker stop`.
//!
//! `docker stop` sends the stop signal (SIGTERM by default) to PID 1 only, and
//! SIGKILLs everything after the grace period (10 s). So it matters:
//!
//! * whether the command finishes by itself ([`lifetime`]): a one-shot command
//!   in front of the real program is fine, a long-running one is not;
//! * whether the program puts itself in the background ([`daemonises`]): the
//!   started process exits, the daemon is orphaned and never gets the signal
//!   (and with nothing else in front of it, the container stops at once);
//! * whether a script installed by a package stays between PID 1 and the
//!   program ([`wrapper_script`]): without `exec` a shell is PID 1, and a shell
//!   as PID 1 ignores SIGTERM unless it traps it;
//! * whether a program that runs another one (`gosu USER cmd`, `tini -- cmd`)
//!   replaces itself with it or runs it as a child ([`exec_wrapper`]).
//!
//! Every function takes the words of one simple command, each `Some(literal)`
//! or `None` when the word is only known at run time (`$VAR`, `"$@"`). The
//! first word is the program, by path or name (`/usr/sbin/nginx` is `nginx`).
//! A verdict that needs an option to be *absent* (`sshd` without `-D`) is only
//! given when every word is known: an unknown word could be that option.
//! Redirections are not words: [`reads_stdin`] says when a command's input
//! decides its lifetime (`envsubst < in > out`), for a caller that sees them.
//! No function does I/O.
//!
//! # Lifetime
//!
//! [`lifetime`] first looks through [`exec_wrapper`]s (`env X=1 gosu app
//! sleep 5` is `sleep 5`), then at [`wrapper_script`]s and [`daemonises`]: a
//! command that certainly daemonises is `OneShot` (the started process exits;
//! the daemon lives on without it), one that daemonises unless its config file
//! says otherwise is `Unknown`. Then these tables; anything else is `Unknown`.
//!
//! | Program | Condition | Verdict |
//! |---|---|---|
//! | `sleep` | every operand a number with an optional `s`/`m`/`h`/`d` suffix, less than a day in all | one-shot |
//! | `sleep` | `infinity`/`inf`, or a day or more in all (the keep-alive idiom) | long-running |
//! | `tail` | `-f`, `-F`, `--follow[=...]` | long-running |
//! | `tail`, `head` | a file operand | one-shot |
//! | `cat`, `sed`, `awk`, `grep`, `sort`, `uniq`, `wc`, `tr`, `tee`, `envsubst`, `jq`, `base64`, `gzip`, `gunzip`, `zcat`, `xargs`, `mysql`, `psql`, `redis-cli`, `sqlite3`, `chpasswd` | no file / query operand: reads standard input until end of file ([`reads_stdin`]); `/dev/null` unless `docker run -i`, but a terminal with `-it` | unknown |
//! | `cat`, `sed` (with a file or `-i`), `awk`/`grep`/`sort`/... (with a file) | | one-shot |
//! | `psql` | `-f`, `-c`, `-l` (`--file`, `--command`, `--list`) | one-shot |
//! | `mysql`, `mariadb` | `-e`/`--execute` | one-shot |
//! | `redis-cli` | a command operand (`redis-cli ping`) | one-shot |
//! | `nc`, `ncat`, `netcat` | `-z` (scan and exit) | one-shot |
//! | `wait-for-it`, `wait-for-it.sh` | no `--` command (with one it is an [`exec_wrapper`]) | one-shot |
//! | `dockerize` | no command and no `-stdout`/`-stderr` tail (with a command it is an [`exec_wrapper`]) | one-shot |
//! | file, user and package tools (see [`ONE_SHOT`]): `cp`, `mv`, `rm`, `ln`, `mkdir`, `chown`, `chmod`, `touch`, `install`, `echo`, `printf`, `true`, `false`, `test`, `[`, `id`, `curl`, `wget`, `apt-get`, `apk`, `dnf`, `yum`, `pip`, `useradd`, `update-ca-certificates`, `pg_isready`, `mysqladmin`, `a2enmod`, ... | always | one-shot |
//! | `npm`, `yarn`, `pnpm` | `ci`, `install`, `i`, `add` | one-shot |
//! | `composer` | `install`, `update`, `dump-autoload`, `require`, ... | one-shot |
//! | `git` | `clone`, `pull`, `fetch`, `checkout`, `config`, ... (not `daemon`) | one-shot |
//! | `go` | `build`, `install`, `mod`, `get`, `vet`, `test`, `generate` | one-shot |
//! | `dotnet` | `restore`, `build`, `publish`, `test`, `ef` | one-shot |
//! | `dotnet` | `APP.dll` | long-running |
//! | `php artisan` | `migrate[:*]`, `db:seed`, `config:cache`, `route:cache`, `view:cache`, `event:cache`, `optimize`, `key:generate`, `storage:link`, `schedule:run`, ... | one-shot |
//! | `php artisan` | `serve`, `queue:work`, `queue:listen`, `schedule:work`, `horizon`, `octane:start`, `reverb:start`, `websockets:serve`, `pulse:work`, `pulse:check` | long-running |
//! | `php` | `-S ADDR` (built-in server) | long-running |
//! | `python manage.py`, `django-admin` | `migrate`, `collectstatic`, `makemigrations`, `compilemessages`, `check`, `loaddata`, `createsuperuser`, `createcachetable` | one-shot |
//! | `python manage.py`, `django-admin` | `runserver` | long-running |
//! | `python -m MOD ...` | as the program `MOD` (`python -m pip install`, `python -m gunicorn`) | |
//! | `python -m http.server` | | long-running |
//! | `flask` | `db upgrade|migrate|init|downgrade|stamp` | one-shot |
//! | `flask` | `run` | long-running |
//! | `alembic` | `upgrade`, `downgrade`, `stamp`, `revision`, `current`, `history` | one-shot |
//! | `rails`, `rake` | `db:*`, `assets:*` | one-shot |
//! | `rails` | `server`, `s` | long-running |
//! | `bundle` | `install`, `config`, `lock`; `bundle exec CMD` is `CMD` | one-shot |
//! | `celery` | `worker`, `beat`, `flower`, `events` | long-running |
//! | `caddy` | `run` | long-running |
//! | `caddy` | `fmt`, `validate`, `adapt`, `version`, `hash-password` | one-shot |
//! | `java` | `-jar` | long-running |
//! | `node`, `bun`, `deno run` | a script named `server.*` | long-running |
//! | `httpd`, `apache2` | `-DFOREGROUND`, `-D FOREGROUND`, `-X` | long-running |
//! | `haproxy` | `-c` (check the config) | one-shot |
//! | servers that stay in the foreground (see [`LONG_RUNNING`]): `gunicorn`, `uvicorn`, `puma`, `postgres`, `mysqld`, `mongod`, `redis-server`, `memcached`, `traefik`, `Xvfb`, `dockerd`, `nginx -g 'daemon off;'`, `php-fpm -F`, `sshd -D`, `cron -f`, `supervisord -n`, ... (after [`daemonises`] said no) | unless `--version`/`--help` | long-running |
//!
//! # Daemonising programs
//!
//! [`daemonises`]: the started process forks and exits. "Config" is the
//! setting that would keep it in the foreground; when it is set the verdict
//! depends on a file dsig cannot read, and [`Daemonises::config`] says so.
//! Man pages are those of Debian 12 (bookworm) packages, read from the
//! package (`apt-get download`, `dpkg-deb -x`), versions in [`DAEMONISES`].
//!
//! | Program | Condition | Foreground form | Config | Reference |
//! |---|---|---|---|---|
//! | `nginx` | no `-g 'daemon off;'` (one word or attached `-g...`), not `-t`/`-T`/`-s`/`-v`/`-V`/`-h` | `nginx -g 'daemon off;'` | `daemon off;` in nginx.conf (neither Debian's nor the official image's sets it) | <https://nginx.org/en/docs/ngx_core_module.html#daemon> |
//! | `php-fpm`, `php-fpmX.Y` | `-D`/`--daemonize` | `php-fpm -F` | | php-fpm8.2(8) |
//! | `php-fpm`, `php-fpmX.Y` | neither `-F`/`--nodaemonize` nor `-D`, not `-t`/`-v`/`-i`/`-m`/`-h` | `php-fpm -F` | `daemonize = no` (compiled default yes; the official image's zz-docker.conf sets no) | php-fpm8.2(8) |
//! | `apachectl`, `apache2ctl` | `start`, `restart`, `graceful`, `-k start` | `httpd -DFOREGROUND` | | <https://httpd.apache.org/docs/2.4/programs/apachectl.html> |
//! | `httpd`, `apache2` | neither `-DFOREGROUND`/`-D FOREGROUND`/`-X` nor a one-shot option (`-t`, `-v`, `-V`, `-S`, `-M`, `-l`, `-L`, `-h`, `-k stop|restart|graceful|graceful-stop`) | `httpd -DFOREGROUND` | | <https://httpd.apache.org/docs/2.4/programs/httpd.html> |
//! | `sshd` | neither `-D` nor `-d`, not `-t`/`-T`/`-V` | `/usr/sbin/sshd -D -e` | | sshd(8), <https://man.openbsd.org/sshd> |
//! | `cron` | no `-f` | `cron -f` | | cron(8) (Debian cron 3.0pl1-162) |
//! | `crond` | neither `-f` (busybox, cronie) nor `-n` (cronie) | `crond -f` | | <https://busybox.net/downloads/BusyBox.html#crond>, cronie crond(8) |
//! | `rsyslogd` | no `-n`, not `-N` (config check) / `-v` | `rsyslogd -n` | | rsyslogd(8) |
//! | `redis-server` | `--daemonize yes` | `redis-server` (default `daemonize no`) | | <https://redis.io/docs/latest/operate/oss_and_stack/management/config/> |
//! | `redis-server` | `/etc/redis/redis.conf` without `--daemonize no` | `redis-server /etc/redis/redis.conf --daemonize no` | Debian's redis.conf says `daemonize yes` | redis-server 5:7.0.15-1~deb12u10 |
//! | `pg_ctl` | `start` | `postgres -D DATADIR` | | <https://www.postgresql.org/docs/current/app-pg-ctl.html> |
//! | `pg_ctlcluster` | `start` without `--foreground` | `pg_ctlcluster --foreground V C start` | | pg_ctlcluster(1) |
//! | `service` | `NAME start|restart` | the program's foreground form | | service(8) |
//! | `/etc/init.d/NAME`, `rc-service` | `start`, `restart` | the program's foreground form | | <https://github.com/OpenRC/openrc/blob/master/service-script-guide.md> |
//! | `postfix` | `start` | `postfix start-fg` (Postfix 3.3+) | | postfix(1) |
//! | `memcached` | `-d`/`--daemon` | `memcached` | | memcached(1) |
//! | `mongod`, `mongos` | `--fork` | `mongod` | | <https://www.mongodb.com/docs/manual/reference/program/mongod/#std-option-mongod.--fork> |
//! | `haproxy` | `-D` | `haproxy -db -f CFG` | | haproxy(1) |
//! | `haproxy` | `-f /etc/haproxy/haproxy.cfg` without `-db`/`-d`/`-Ws`/`-c` | `haproxy -db -f /etc/haproxy/haproxy.cfg` | Debian's haproxy.cfg has `daemon` in `global` | haproxy 2.6.12-1+deb12u4 |
//! | `varnishd` | neither `-F` nor `-d`, not `-C`/`-V`/`-x` | `varnishd -F ...` | | varnishd(1) |
//! | `squid` | neither `-N` nor `--foreground`, not `-k`/`-v`/`-h` (`-z` daemonises too) | `squid -N` | | squid(8) |
//! | `dnsmasq` | neither `-k`/`--keep-in-foreground` nor `-d`/`--no-daemon`, not `--test`/`-v` | `dnsmasq -k` | | dnsmasq(8) |
//! | `named` | neither `-f` nor `-g`, not `-v`/`-V` | `named -f` | | named(8) |
//! | `smbd`, `nmbd`, `samba` | `-D`/`--daemon`, or neither `-F`/`--foreground` nor `-i`/`--interactive` | `smbd -F --no-process-group` | | smbd(8) |
//! | `supervisord` | neither `-n` nor `--nodaemon`, not `-v`/`-h` | `supervisord -n` | `nodaemon=true` in `[supervisord]` (Debian's supervisord.conf does not set it) | supervisord(1) |
//! | `mysqld_safe`, `mariadbd-safe` | `--nowatch` (`eval "$cmd &"; exit 0`) | `mariadbd` | | mariadb-server 1:10.11.19-0+deb12u1 |
//! | `catalina.sh` | `start` (`nohup java ... &`) | `catalina.sh run` | | tomcat10-common 10.1.60-1~deb12u1 |
//! | `startup.sh` (Tomcat) | always (`exec catalina.sh start`) | `catalina.sh run` | | tomcat10-common 10.1.60-1~deb12u1 |
//! | `zkServer.sh` | `start` (`nohup java ... &`) | `zkServer.sh start-foreground` | | zookeeper 3.8.0-11+deb12u2 |
//! | `rabbitmq-server` | `-detached` | `rabbitmq-server` | | rabbitmq-server(8) |
//! | `pm2` | `start`, `restart`, `reload` | `pm2-runtime` | | <https://pm2.keymetrics.io/docs/usage/docker-pm2-nodejs/> |
//! | `caddy` | `start` | `caddy run` | | <https://caddyserver.com/docs/command-line#caddy-start> |
//! | `lighttpd` | neither `-D` nor `-t`/`-tt`/`-v`/`-V`/`-h` | `lighttpd -D -f CFG` | | <https://redmine.lighttpd.net/projects/lighttpd/wiki/Docs_ModFastCGI> lighttpd(8) |
//! | `rsync` | `--daemon` without `--no-detach` | `rsync --daemon --no-detach` | | rsync(1) |
//! | `gunicorn` | `-D`/`--daemon` | `gunicorn` | | <https://docs.gunicorn.org/en/stable/settings.html#daemon> |
//! | `uwsgi` | `--daemonize[2]`/`-d` | `uwsgi` | | <https://uwsgi-docs.readthedocs.io/en/latest/Options.html#daemonize> |
//!
//! Not in the table, on purpose: `dockerd`, `Xvfb`, `memcached` and
//! `redis-server` without options, `mysqld`/`mariadbd`, `postgres`: they stay
//! in the foreground. `mysqld_safe` without `--nowatch` is a
//! [`wrapper_script`] (a shell that stays PID 1), not a daemon.
//!
//! # Wrapper scripts
//!
//! [`wrapper_script`]: scripts installed by packages, read from the Debian 12
//! package of [`WrapperScript::source`]. Only what was read is listed.
//!
//! | Script | Condition | Runs | Verdict | Source |
//! |---|---|---|---|---|
//! | `apache2ctl`, `apachectl` | any action but `start`/`stop`/`restart`/`graceful`/`graceful-stop`/`configtest`/`status`/`fullstatus` (e.g. `-D FOREGROUND`) | `$HTTPD ${APACHE_ARGUMENTS} "$@"` as a child | no exec, no trap: a shell stays PID 1 and SIGTERM is lost | apache2 2.4.71-1~deb12u1, /usr/sbin/apache2ctl (apachectl is a symlink to it) |
//! | `mysqld_safe`, `mariadbd-safe` | no `--nowatch` | `mariadbd` as a child, in a restart loop | no exec; `trap '' 1 2 3 15` ignores SIGTERM | mariadb-server 1:10.11.19-0+deb12u1, /usr/bin/mariadbd-safe |
//! | `catalina.sh` | `run` | `eval exec java ... Bootstrap start` | execs | tomcat10-common 10.1.60-1~deb12u1, /usr/share/tomcat10/bin/catalina.sh |
//! | `pg_ctlcluster` | `--foreground` | perl `exec '/bin/sh', '-c', "exec $postgres ..."` | execs (twice) | postgresql-common 248+deb12u2, /`usr/bin/pg_ctlcluster` |
//! | `rabbitmq-server` (upstream script) | | `start_rabbitmq_server "$@" &` then `wait`, `trap "stop_rabbitmq_server; exit 0" TERM` | no exec, but forwards SIGTERM | rabbitmq-server 3.10.8-1.1+deb12u1, /usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/sbin/rabbitmq-server |
//! | `/usr/sbin/rabbitmq-server` (Debian's rabbitmq-script-wrapper) | by that path | the upstream script as a child (as root through `su rabbitmq -c`) | no exec, no trap | rabbitmq-server 3.10.8-1.1+deb12u1, /usr/lib/rabbitmq/bin/rabbitmq-script-wrapper |
//! | `zkServer.sh` | `start-foreground` | `ZOO_CMD=(exec "$JAVA")` | execs | zookeeper 3.8.0-11+deb12u2, /usr/share/zookeeper/bin/zkServer.sh |
//!
//! A bare `rabbitmq-server` is taken to be the upstream script (the official
//! image installs the upstream release); on a Debian image the name on `PATH`
//! is the wrapper.
//!
//! # Programs that run a command
//!
//! [`exec_wrapper`]: where the command starts and whether it replaces the
//! wrapper (`execs`: same PID, the signal reaches it) or runs as its child.
//! `forwards` says the wrapper passes SIGTERM on to the child; `init` says it
//! is an init (forwards and reaps zombies). A child of a wrapper that neither
//! execs nor forwards does not get the stop signal. "Kernel test" marks the
//! rows tests/programs.rs checks by running the wrapper (PID of the wrapper vs
//! PID running `sleep`).
//!
//! | Wrapper | Syntax | execs | forwards | Reference |
//! |---|---|---|---|---|
//! | `env` | `[-i] [-0] [-v] [-u NAME] [-C DIR] [--opt[=V]] [NAME=VAL]... CMD` (`-S` not followed) | yes (kernel test) | | env(1) coreutils |
//! | `nohup` | `[--] CMD` | yes (kernel test) | | nohup(1) |
//! | `nice` | `[-n N \| -N \| --adjustment=N] CMD` | yes (kernel test) | | nice(1) |
//! | `stdbuf` | `[-i M] [-o M] [-e M] CMD` | yes (kernel test) | | stdbuf(1) |
//! | `chroot` | `[--userspec=U:G] [--groups=G] [--skip-chdir] NEWROOT CMD` | yes (kernel test) | | chroot(8) |
//! | `setpriv` | `[--reuid U] [--regid G] [--groups G] [--init-groups] [--clear-groups] [--keep-groups] [--inh-caps C] [--ambient-caps C] [--bounding-set C] [--securebits B] [--pdeathsig S] [--no-new-privs] [--reset-env] ... CMD` | yes (kernel test) | | setpriv(1) util-linux |
//! | `taskset` | `[-a] [-c] MASK CMD` (not `-p`) | yes (kernel test) | | taskset(1) |
//! | `ionice` | `[-c C] [-n N] [-t] CMD` (not `-p`/`-P`/`-u`) | yes (kernel test) | | ionice(1) |
//! | `numactl` | `[--opt[=V] \| -X V]... CMD` (not `-s`/`-H`) | yes (kernel test when installed; run by hand from the 2.0.16 package) | | numactl(8) numactl 2.0.16 |
//! | `gosu` | `USER CMD` | yes (kernel test) | | <https://github.com/tianon/gosu> |
//! | `su-exec` | `USER CMD` | yes (kernel test when installed; not packaged in Debian 12) | | <https://github.com/ncopa/su-exec> |
//! | `chpst` | `[-u U] [-U U] [-b A] [-e D] [-/ R] [-n I] [-l L] [-L L] [-m B] ... [-vP012] CMD` | yes (run by hand from the runit 2.1.2 package) | | chpst(8) runit 2.1.2 |
//! | `s6-setuidgid` | `USER CMD` | yes | | <https://skarnet.org/software/s6/s6-setuidgid.html> |
//! | `wait-for-it`, `wait-for-it.sh` | `[opts] -- CMD` | yes (`exec "${WAITFORIT_CLI[@]}"`) | | vishnubob/wait-for-it 81b1373 |
//! | `pg_ctlcluster` | see wrapper scripts | | | |
//! | `tini` | `[-s] [-v] [-w] [-g] [-l] [-e CODE] [-p SIG] [--] CMD` | no (kernel test) | yes, init | <https://github.com/krallin/tini> |
//! | `dumb-init` | `[-c] [-v] [-r S:R] [--] CMD` | no (kernel test when installed; run by hand from the 1.2.5 package, SIGTERM reached the child) | yes, init | dumb-init(1) 1.2.5 |
//! | `timeout` | `[-s SIG] [-k DUR] [--preserve-status] [--foreground] [-v] DURATION CMD` | no (kernel test) | yes (TERM, INT, HUP, ... are sent on to the command) | timeout(1) coreutils |
//! | `runuser` | `-u USER [--] CMD` | no (kernel test): forks for the PAM session and waits | yes, to its direct child (kernel test; "Session terminated, killing shell...", SIGKILL 2 s later) | runuser(1) util-linux 2.38.1 |
//! | `runuser`, `su` | `[opts] [-] USER -c 'STRING'`, `-lc 'STRING'` (attached `-cSTRING` not followed) | no (kernel test): a shell string, [`Wrapped::shell_string`] | to the shell only: a command the shell does not `exec` keeps running (kernel test with `exec sleep 5`) | su(1) util-linux 2.38.1 |
//! | `sudo` | `[opts] [NAME=VAL]... CMD` (not `-b`, `-i`, `-s` without a command) | no: a child by default (a PAM session, I/O logging) | yes ("sudo will relay signals it receives to the command") | sudo(8) |
//! | `dockerize` | `[-flag[=V]]... CMD` | no | yes (HUP, INT, TERM) | jwilder/dockerize 2b3e41a, exec.go |
//! | `xvfb-run` | `[-a] [-e F] [-f F] [-l] [-n N] [-p P] [-s ARGS] [-w D] CMD` | no (`"$@"` as a child) | no (`trap clean_up EXIT` only) | xvfb 2:21.1.7-3+deb12u13, /usr/bin/xvfb-run |

/// Whether a command finishes by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Ends by itself (or, for a daemonising command, the started process
    /// ends).
    OneShot,
    /// Stays in the foreground until it is stopped.
    LongRunning,
    /// Not in the tables, or depends on a word, a file or standard input
    /// dsig cannot see.
    Unknown,
}

/// A program that puts itself in the background (forks and the started
/// process exits).
#[derive(Debug, PartialEq, Eq)]
pub struct Daemonises {
    pub program: &'static str,
    pub why: &'static str,
    /// The foreground form, e.g. `nginx -g 'daemon off;'`.
    pub instead: &'static str,
    pub reference: &'static str,
    /// `Some(setting)` when the program daemonises unless its config file
    /// has `setting`: the verdict is the package default, not certain.
    pub config: Option<&'static str>,
}

/// A script installed by a package that starts the real program; `execs`
/// false means a shell stays between PID 1 and the program.
#[derive(Debug, PartialEq, Eq)]
pub struct WrapperScript {
    pub name: &'static str,
    pub runs: &'static str,
    pub execs: bool,
    /// Not exec'd, but the script traps SIGTERM and passes it on.
    pub forwards: bool,
    /// Package, path, version it was read from.
    pub source: &'static str,
    pub instead: &'static str,
}

/// A program that runs another program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wrapped {
    pub name: &'static str,
    /// Index in the words of the wrapped program (of the command string when
    /// `shell_string`).
    pub command_at: usize,
    /// Replaces itself with the command (same PID).
    pub execs: bool,
    /// tini, dumb-init: forwards signals to the child and reaps zombies.
    pub init: bool,
    /// Runs the command as a child but passes SIGTERM on to it.
    pub forwards: bool,
    /// The word at `command_at` is a string for `sh -c` (`su -c 'cmd'`),
    /// not a program.
    pub shell_string: bool,
}

use super::base_name;

type Word<'a> = Option<&'a str>;

fn prog<'a>(words: &[Word<'a>]) -> Option<&'a str> {
    words.first().copied().flatten().map(base_name)
}

fn all_known(words: &[Word]) -> bool {
    words.iter().all(Option::is_some)
}

fn has_word(words: &[Word], set: &[&str]) -> bool {
    words.iter().flatten().any(|w| set.contains(w))
}

/// How a program's options take values, for [`scan`].
struct Opts {
    /// Short options that take a value (attached `-p80` or the next word).
    short_arg: &'static str,
    /// Long options that take a value (`--name=V` or the next word).
    long_arg: &'static [&'static str],
}

const NO_OPTS: Opts = Opts {
    short_arg: "",
    long_arg: &[],
};

/// The options and operands of `words[1..]`, getopt style with permutation
/// (operands anywhere, `--` ends the options).
#[derive(Default)]
struct Scan<'a> {
    /// Short letters seen, with their value if they take one.
    short: Vec<(char, Word<'a>)>,
    /// Long names seen (without `--`), with their value.
    long: Vec<(&'a str, Word<'a>)>,
    operands: Vec<Word<'a>>,
    /// A word was unknown where an option could be.
    unknown: bool,
}

impl<'a> Scan<'a> {
    fn has_short(&self, c: char) -> bool {
        self.short.iter().any(|(s, _)| *s == c)
    }
    fn has_long(&self, names: &[&str]) -> bool {
        self.long.iter().any(|(l, _)| names.contains(l))
    }
    /// A flag present, or absent for certain (`None`: an unknown word could
    /// be it).
    fn flag(&self, short: &[char], long: &[&str]) -> Option<bool> {
        if short.iter().any(|c| self.has_short(*c)) || self.has_long(long) {
            Some(true)
        } else if self.unknown {
            None
        } else {
            Some(false)
        }
    }
    fn operand(&self, i: usize) -> Option<&'a str> {
        self.operands.get(i).copied().flatten()
    }
}

fn scan<'a>(words: &[Word<'a>], opts: &Opts) -> Scan<'a> {
    let mut s = Scan::default();
    let mut i = 1;
    while i < words.len() {
        let Some(w) = words[i] else {
            s.unknown = true;
            s.operands.push(None);
            i += 1;
            continue;
        };
        i += 1;
        if w == "--" {
            s.operands.extend(words[i..].iter().copied());
            break;
        }
        if let Some(long) = w.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => s.long.push((n, Some(v))),
                None if opts.long_arg.contains(&long) => {
                    s.long.push((long, words.get(i).copied().flatten()));
                    i += 1;
                }
                None => s.long.push((long, None)),
            }
        } else if w.len() > 1 && w.starts_with('-') {
            let cluster = &w[1..];
            for (k, c) in cluster.char_indices() {
                if opts.short_arg.contains(c) {
                    let rest = &cluster[k + c.len_utf8()..];
                    if rest.is_empty() {
                        s.short.push((c, words.get(i).copied().flatten()));
                        i += 1;
                    } else {
                        s.short.push((c, Some(rest)));
                    }
                    break;
                }
                s.short.push((c, None));
            }
        } else {
            s.operands.push(Some(w));
        }
    }
    s
}

// ---------------------------------------------------------------------------
// Lifetime

/// Programs that finish by themselves whatever their arguments.
pub const ONE_SHOT: &[&str] = &[
    // files
    "cp",
    "mv",
    "rm",
    "ln",
    "mkdir",
    "rmdir",
    "chown",
    "chmod",
    "chgrp",
    "touch",
    "install",
    "mknod",
    "mkfifo",
    "find",
    "tar",
    "unzip",
    "zip",
    "ls",
    "stat",
    "du",
    "df",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "truncate",
    "setfacl",
    "setcap",
    "sync",
    // output and tests
    "echo",
    "printf",
    "true",
    "false",
    "test",
    "[",
    ":",
    "id",
    "whoami",
    "pwd",
    "date",
    "hostname",
    "uname",
    "printenv",
    "which",
    "getent",
    "nproc",
    "locale",
    "env-update",
    // network probes and downloads
    "curl",
    "wget",
    "pg_isready",
    "mysqladmin",
    "ping",
    "nslookup",
    "dig",
    "host",
    // packages
    "apt-get",
    "apt",
    "aptitude",
    "dpkg",
    "dpkg-reconfigure",
    "apk",
    "yum",
    "dnf",
    "microdnf",
    "zypper",
    "rpm",
    "pacman",
    "pip",
    "pip3",
    "pipx",
    "gem",
    "cargo",
    "rustup",
    "conda",
    "mamba",
    "micromamba",
    "update-ca-certificates",
    "update-alternatives",
    "ldconfig",
    "locale-gen",
    "localedef",
    // users
    "useradd",
    "groupadd",
    "userdel",
    "groupdel",
    "usermod",
    "groupmod",
    "adduser",
    "addgroup",
    "deluser",
    "delgroup",
    "passwd",
    // configuration
    "a2enmod",
    "a2dismod",
    "a2ensite",
    "a2dissite",
    "a2enconf",
    "a2disconf",
    "phpenmod",
    "phpdismod",
    "docker-php-ext-install",
    "docker-php-ext-enable",
    "docker-php-ext-configure",
    "ssh-keygen",
    "openssl",
    "keytool",
    "sysctl",
    "kill",
    "pkill",
    "killall",
];

/// Servers that stay in the foreground (after [`daemonises`] said no).
pub const LONG_RUNNING: &[&str] = &[
    // Python, Ruby, PHP, Node application servers
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "waitress-serve",
    "granian",
    "uwsgi",
    "puma",
    "unicorn",
    "unicorn_rails",
    "sidekiq",
    "pm2-runtime",
    "nodemon",
    "frankenphp",
    "rr",
    "jupyter-notebook",
    "jupyter-lab",
    "streamlit",
    "gradio",
    // databases and caches
    "postgres",
    "mysqld",
    "mariadbd",
    "mongod",
    "mongos",
    "redis-server",
    "redis-sentinel",
    "valkey-server",
    "keydb-server",
    "memcached",
    "cassandra",
    "clickhouse-server",
    "influxd",
    "etcd",
    "nats-server",
    // proxies and web servers
    "nginx",
    "httpd",
    "apache2",
    "traefik",
    "envoy",
    "haproxy",
    "caddy",
    "lighttpd",
    "varnishd",
    "squid",
    "openresty",
    // system daemons (in their foreground forms)
    "sshd",
    "cron",
    "crond",
    "rsyslogd",
    "syslog-ng",
    "supervisord",
    "dnsmasq",
    "named",
    "smbd",
    "nmbd",
    "dockerd",
    "containerd",
    "Xvfb",
    "Xvnc",
    "x11vnc",
    "php-fpm",
    // monitoring and infrastructure
    "prometheus",
    "alertmanager",
    "pushgateway",
    "node_exporter",
    "grafana-server",
    "loki",
    "promtail",
    "telegraf",
    "fluentd",
    "fluent-bit",
    "logstash",
    "coredns",
    "minio",
    "vault",
    "consul",
    "nomad",
    "registry",
];

/// Programs that read standard input until end of file when they get no
/// file (or query) operand.
const STDIN_READERS: &[&str] = &[
    "cat",
    "sed",
    "awk",
    "gawk",
    "mawk",
    "grep",
    "egrep",
    "fgrep",
    "sort",
    "uniq",
    "wc",
    "tr",
    "tee",
    "envsubst",
    "jq",
    "base64",
    "gzip",
    "gunzip",
    "zcat",
    "xargs",
    "mysql",
    "mariadb",
    "psql",
    "redis-cli",
    "sqlite3",
    "chpasswd",
    "head",
    "tail",
    "cut",
    "md5sum",
    "sha256sum",
];

/// Whether the command reads its standard input until end of file (so a
/// redirection from a file, seen by the caller, makes it one-shot; with
/// `docker run -i` or `-it` it waits for input).
#[must_use]
pub fn reads_stdin(words: &[Word]) -> bool {
    let Some(p) = prog(words) else {
        return false;
    };
    if !STDIN_READERS.contains(&p) || !all_known(&words[1..]) {
        return false;
    }
    match p {
        "tr" | "tee" | "envsubst" | "chpasswd" | "xargs" => true,
        "sed" => {
            let s = scan(words, &SED);
            // The first operand is the script unless -e/-f gave it.
            let script_given =
                s.has_short('e') || s.has_short('f') || s.has_long(&["expression", "file"]);
            let files = s.operands.len() - usize::from(!script_given && !s.operands.is_empty());
            files == 0 && !s.has_short('i') && !s.has_long(&["in-place"])
        }
        "awk" | "gawk" | "mawk" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "fvF",
                    long_arg: &["file", "assign", "field-separator"],
                },
            );
            let script_given = s.has_short('f') || s.has_long(&["file"]);
            s.operands.len() <= usize::from(!script_given)
        }
        "grep" | "egrep" | "fgrep" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "efmABCd",
                    long_arg: &["regexp", "file", "max-count", "context"],
                },
            );
            let pattern_given = s.has_short('e') || s.has_short('f');
            let recursive = s.has_short('r') || s.has_short('R') || s.has_long(&["recursive"]);
            !recursive && s.operands.len() <= usize::from(!pattern_given)
        }
        "jq" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "fL",
                    long_arg: &[
                        "arg",
                        "argjson",
                        "slurpfile",
                        "rawfile",
                        "indent",
                        "from-file",
                    ],
                },
            );
            !s.has_short('n') && !s.has_long(&["null-input"]) && s.operands.len() <= 1
        }
        "mysql" | "mariadb" => {
            let s = scan(words, &MYSQL);
            s.flag(&['e'], &["execute"]) == Some(false)
                && s.flag(&['V', '?'], &["version", "help"]) == Some(false)
        }
        "psql" => {
            let s = scan(words, &PSQL);
            s.flag(
                &['f', 'c', 'l', 'V', '?'],
                &["file", "command", "list", "version", "help"],
            ) == Some(false)
        }
        "redis-cli" => {
            let s = scan(words, &REDIS_CLI);
            s.operands.is_empty() && !s.has_long(&["version", "help", "stat", "latency", "bigkeys"])
        }
        "sqlite3" => scan(words, &NO_OPTS).operands.len() <= 1,
        "tail" => {
            let s = scan(words, &TAIL);
            s.operands.is_empty()
        }
        "head" | "cut" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "ncdfb",
                    long_arg: &["lines", "bytes", "delimiter", "fields", "characters"],
                },
            );
            s.operands.is_empty()
        }
        _ => {
            let s = scan(words, &NO_OPTS);
            s.operands.is_empty() && !s.has_long(&["version", "help"])
        }
    }
}

const SED: Opts = Opts {
    short_arg: "efl",
    long_arg: &["expression", "file", "line-length"],
};
const MYSQL: Opts = Opts {
    short_arg: "ehuPpSDo",
    long_arg: &[
        "execute",
        "host",
        "user",
        "port",
        "socket",
        "database",
        "password",
        "default-character-set",
    ],
};
const PSQL: Opts = Opts {
    short_arg: "cdfhpUvLoPTFR",
    long_arg: &[
        "command",
        "dbname",
        "file",
        "host",
        "port",
        "username",
        "set",
        "variable",
        "log-file",
        "output",
        "pset",
        "field-separator",
        "record-separator",
    ],
};
const REDIS_CLI: Opts = Opts {
    short_arg: "hpsaunrixdu",
    long_arg: &["user", "pass", "tls", "cacert", "cert", "key"],
};
const TAIL: Opts = Opts {
    short_arg: "ncs",
    long_arg: &[
        "lines",
        "bytes",
        "sleep-interval",
        "pid",
        "max-unchanged-stats",
    ],
};

/// Seconds in a `sleep` operand (`10`, `1.5m`, `2h`), `f64::INFINITY` for
/// `inf`/`infinity`, `None` when it is not a number.
fn sleep_seconds(w: &str) -> Option<f64> {
    if w.eq_ignore_ascii_case("infinity") || w.eq_ignore_ascii_case("inf") {
        return Some(f64::INFINITY);
    }
    let (num, mul) = match w.chars().last()? {
        's' => (&w[..w.len() - 1], 1.0),
        'm' => (&w[..w.len() - 1], 60.0),
        'h' => (&w[..w.len() - 1], 3600.0),
        'd' => (&w[..w.len() - 1], 86400.0),
        _ => (w, 1.0),
    };
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    num.parse::<f64>().ok().map(|n| n * mul)
}

/// A day or more of `sleep` is the keep-alive idiom.
const SLEEP_FOREVER: f64 = 86400.0;

/// Whether a command finishes by itself. See the module doc for the table.
pub fn lifetime(words: &[Word]) -> Lifetime {
    use Lifetime::{LongRunning, OneShot, Unknown};
    if let Some(w) = exec_wrapper(words) {
        if w.shell_string {
            return Unknown;
        }
        return lifetime(&words[w.command_at..]);
    }
    if wrapper_script(words).is_some() {
        // Every script in the table runs its server in the foreground.
        return LongRunning;
    }
    if let Some(d) = daemonises(words) {
        return if d.config.is_some() { Unknown } else { OneShot };
    }
    let Some(p) = prog(words) else {
        return Unknown;
    };
    let args = &words[1..];
    let first = args.first().copied().flatten();
    if STDIN_READERS.contains(&p) {
        if reads_stdin(words) || !all_known(args) {
            return Unknown;
        }
        if p == "tail" && scan(words, &TAIL).flag(&['f', 'F'], &["follow"]) == Some(true) {
            return LongRunning;
        }
        return OneShot;
    }
    match p {
        "sleep" => {
            let mut total = 0.0;
            for w in args {
                match w.and_then(sleep_seconds) {
                    Some(s) => total += s,
                    None => return Unknown,
                }
            }
            if args.is_empty() {
                Unknown
            } else if total >= SLEEP_FOREVER {
                LongRunning
            } else {
                OneShot
            }
        }
        "nc" | "ncat" | "netcat" => {
            if scan(
                words,
                &Opts {
                    short_arg: "pswWiqx",
                    long_arg: &[],
                },
            )
            .has_short('z')
            {
                OneShot
            } else {
                Unknown
            }
        }
        "wait-for-it" | "wait-for-it.sh" => OneShot, // with `--` CMD: exec_wrapper
        "dockerize" => {
            if has_word(args, &["-stdout", "--stdout", "-stderr", "--stderr"])
                || args.iter().any(|w| {
                    w.is_some_and(|w| w.starts_with("-stdout=") || w.starts_with("-stderr="))
                })
            {
                LongRunning
            } else if all_known(args) {
                OneShot
            } else {
                Unknown
            }
        }
        "npm" | "yarn" | "pnpm" => match first {
            Some("ci" | "install" | "i" | "add" | "audit" | "prune" | "rebuild" | "config") => {
                OneShot
            }
            _ => Unknown,
        },
        "composer" => match first {
            Some(
                "install" | "update" | "dump-autoload" | "dumpautoload" | "require" | "remove"
                | "create-project" | "clear-cache" | "config" | "validate",
            ) => OneShot,
            _ => Unknown,
        },
        "git" => match first {
            Some(
                "clone" | "pull" | "fetch" | "checkout" | "config" | "init" | "submodule" | "reset"
                | "apply" | "clean",
            ) => OneShot,
            _ => Unknown,
        },
        "go" => match first {
            Some("build" | "install" | "mod" | "get" | "vet" | "test" | "generate" | "env") => {
                OneShot
            }
            _ => Unknown,
        },
        "dotnet" => match first {
            Some("restore" | "build" | "publish" | "test" | "ef" | "tool" | "nuget") => OneShot,
            Some(dll) if dll.ends_with(".dll") => LongRunning,
            _ => Unknown,
        },
        "java" => {
            if has_word(args, &["-jar", "--jar"]) {
                LongRunning
            } else if has_word(args, &["-version", "--version"]) {
                OneShot
            } else {
                Unknown
            }
        }
        "node" | "nodejs" | "bun" => script_server(args),
        "deno" => match first {
            Some("run" | "serve") => script_server(&args[1..]),
            _ => Unknown,
        },
        "php" => php(args),
        // Laravel's `artisan`, run through its shebang.
        "artisan" => php(words),
        "python" | "python3" | "python2" | "pypy" | "pypy3" => python(args),
        "django-admin" | "manage.py" => django(first),
        "flask" => flask(args),
        "alembic" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "cnx",
                    long_arg: &["config", "name"],
                },
            );
            match s.operand(0) {
                Some(
                    "upgrade" | "downgrade" | "stamp" | "revision" | "current" | "history"
                    | "heads" | "check",
                ) => OneShot,
                _ => Unknown,
            }
        }
        "rails" => match first {
            Some("server" | "s") => LongRunning,
            Some(t) if t.starts_with("db:") || t.starts_with("assets:") => OneShot,
            _ => Unknown,
        },
        "rake" => match first {
            Some(t) if t.starts_with("db:") || t.starts_with("assets:") => OneShot,
            _ => Unknown,
        },
        "bundle" | "bundler" => match first {
            Some("exec") if args.len() > 1 => lifetime(&args[1..]),
            Some("install" | "config" | "lock" | "update" | "check") => OneShot,
            _ => Unknown,
        },
        "celery" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "Ablcq",
                    long_arg: &[
                        "app",
                        "broker",
                        "loglevel",
                        "concurrency",
                        "queues",
                        "workdir",
                        "result-backend",
                        "config",
                    ],
                },
            );
            if s.operands
                .iter()
                .flatten()
                .any(|o| matches!(*o, "worker" | "beat" | "flower" | "events"))
            {
                LongRunning
            } else {
                Unknown
            }
        }
        "caddy" => match first {
            Some("run") => LongRunning,
            Some(
                "fmt" | "validate" | "adapt" | "version" | "hash-password" | "trust"
                | "list-modules",
            ) => OneShot,
            _ => Unknown,
        },
        "httpd" | "apache2" => {
            if foreground_httpd(args) {
                LongRunning
            } else if all_known(args) {
                // daemonises() said no: a one-shot option (-t, -v, -k stop).
                OneShot
            } else {
                Unknown
            }
        }
        "haproxy" => {
            let s = scan(words, &HAPROXY);
            if s.has_short('c') || s.has_short('v') {
                OneShot
            } else if s.unknown {
                Unknown
            } else {
                LongRunning
            }
        }
        _ if ONE_SHOT.contains(&p) => OneShot,
        _ if server_subcommands(p).is_some() => {
            // `rr serve` runs, `rr get` downloads and ends: the first word
            // that is not an option decides.
            let serve = server_subcommands(p).unwrap_or_default();
            match args.iter().find(|w| !w.is_some_and(|w| w.starts_with('-'))) {
                Some(Some(sub)) if serve.contains(sub) => LongRunning,
                Some(Some(_)) => OneShot,
                Some(None) => Unknown,
                None if info_option(p, args) => OneShot,
                None => Unknown,
            }
        }
        _ if LONG_RUNNING.contains(&p) || p.starts_with("php-fpm") => {
            if info_option(p, args) {
                OneShot
            } else if !all_known(args) && (DAEMON_FAMILY.contains(&p) || p.starts_with("php-fpm")) {
                // An unknown word could be the option that daemonises.
                Unknown
            } else {
                LongRunning
            }
        }
        _ => Unknown,
    }
}

/// Servers of [`LONG_RUNNING`] whose command line names what to do: only
/// these subcommands run the server (checked in each tool's `--help`); any
/// other (`rr get`, `vault login`, `consul members`) does its work and ends.
fn server_subcommands(p: &str) -> Option<&'static [&'static str]> {
    Some(match p {
        "rr" => &["serve"],
        "vault" => &["server"],
        "consul" | "nomad" => &["agent"],
        "minio" => &["server", "gateway"],
        "registry" => &["serve"],
        "frankenphp" => &["run", "php-server"],
        "streamlit" => &["run"],
        _ => return None,
    })
}

/// Servers of [`LONG_RUNNING`] that [`daemonises`] knows: only their
/// foreground forms get this far.
const DAEMON_FAMILY: &[&str] = &[
    "nginx",
    "openresty",
    "sshd",
    "cron",
    "crond",
    "rsyslogd",
    "varnishd",
    "squid",
    "dnsmasq",
    "named",
    "smbd",
    "nmbd",
    "supervisord",
    "lighttpd",
    "memcached",
    "mongod",
    "mongos",
    "redis-server",
    "valkey-server",
    "gunicorn",
    "uwsgi",
];

/// Options that make a server print or check something and exit.
fn info_option(p: &str, args: &[Word]) -> bool {
    let list: &[&str] = match p {
        "nginx" | "openresty" => &["-t", "-T", "-s", "-v", "-V", "-h", "-?"],
        _ if p.starts_with("php-fpm") => &[
            "-t",
            "--test",
            "-v",
            "-i",
            "--info",
            "-m",
            "--modules",
            "-h",
        ],
        "sshd" => &["-t", "-T", "-V"],
        "cron" | "crond" => &["-V", "-h"],
        "rsyslogd" => &["-v"],
        "varnishd" => &["-C", "-V", "-x"],
        "squid" => &["-k", "-v", "-h"],
        "dnsmasq" => &["--test", "-v"],
        "named" => &["-v", "-V", "-C"],
        "smbd" | "nmbd" => &["-b", "--build-options", "-V"],
        "supervisord" => &["-v", "-h"],
        "lighttpd" => &["-t", "-tt", "-p", "-v", "-V", "-h"],
        _ => &[],
    };
    has_word(args, list)
        || has_word(args, &["--version", "--help"])
        || (p == "rsyslogd" && args.iter().flatten().any(|w| w.starts_with("-N")))
}

fn script_server(args: &[Word]) -> Lifetime {
    let script = args.iter().find(|w| !w.is_some_and(|w| w.starts_with('-')));
    match script {
        Some(Some(s)) if base_name(s).starts_with("server.") => Lifetime::LongRunning,
        _ => Lifetime::Unknown,
    }
}

fn php(args: &[Word]) -> Lifetime {
    use Lifetime::{LongRunning, OneShot, Unknown};
    if has_word(args, &["-S"])
        || args
            .iter()
            .flatten()
            .any(|w| w.starts_with("-S") && w.len() > 2)
    {
        return LongRunning;
    }
    let Some(i) = args
        .iter()
        .position(|w| w.is_some_and(|w| base_name(w) == "artisan"))
    else {
        return Unknown;
    };
    let cmd = args[i + 1..]
        .iter()
        .find(|w| !w.is_some_and(|w| w.starts_with('-')));
    match cmd.copied().flatten() {
        Some(
            "serve" | "queue:work" | "queue:listen" | "schedule:work" | "horizon" | "octane:start"
            | "reverb:start" | "websockets:serve" | "pulse:work" | "pulse:check",
        ) => LongRunning,
        Some(c)
            if c == "migrate"
                || c.starts_with("migrate:")
                || matches!(
                    c,
                    "db:seed"
                        | "db:wipe"
                        | "config:cache"
                        | "config:clear"
                        | "route:cache"
                        | "route:clear"
                        | "view:cache"
                        | "view:clear"
                        | "event:cache"
                        | "cache:clear"
                        | "optimize"
                        | "optimize:clear"
                        | "key:generate"
                        | "storage:link"
                        | "package:discover"
                        | "schedule:run"
                        | "down"
                        | "up"
                        | "vendor:publish"
                        | "queue:restart"
                        | "horizon:terminate"
                ) =>
        {
            OneShot
        }
        _ => Unknown,
    }
}

fn python(args: &[Word]) -> Lifetime {
    let mut i = 0;
    while i < args.len() {
        let Some(w) = args[i] else {
            return Lifetime::Unknown;
        };
        match w {
            "-m" => {
                let Some(Some(module)) = args.get(i + 1) else {
                    return Lifetime::Unknown;
                };
                if *module == "http.server" {
                    return Lifetime::LongRunning;
                }
                let mut rest: Vec<Word> = vec![Some(*module)];
                rest.extend(&args[i + 2..]);
                return match *module {
                    "pip" | "gunicorn" | "uvicorn" | "hypercorn" | "daphne" | "celery"
                    | "flask" | "alembic" | "django" | "granian" | "streamlit" => {
                        if *module == "django" {
                            django(args.get(i + 2).copied().flatten())
                        } else {
                            lifetime(&rest)
                        }
                    }
                    _ => Lifetime::Unknown,
                };
            }
            "-c" => return Lifetime::Unknown,
            "-W" | "-X" | "--check-hash-based-pycs" => i += 2,
            _ if w.starts_with('-') => i += 1,
            script => {
                return if base_name(script) == "manage.py" {
                    django(args.get(i + 1).copied().flatten())
                } else {
                    Lifetime::Unknown
                };
            }
        }
    }
    Lifetime::Unknown
}

fn django(cmd: Option<&str>) -> Lifetime {
    match cmd {
        Some(
            "migrate" | "collectstatic" | "makemigrations" | "compilemessages" | "check"
            | "loaddata" | "createsuperuser" | "createcachetable" | "flush" | "dumpdata"
            | "clearsessions" | "showmigrations" | "sqlmigrate" | "sendtestemail",
        ) => Lifetime::OneShot,
        Some("runserver") => Lifetime::LongRunning,
        _ => Lifetime::Unknown,
    }
}

fn flask(args: &[Word]) -> Lifetime {
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            None => return Lifetime::Unknown,
            Some("--app" | "-A" | "-e" | "--env-file") => i += 2,
            Some(w) if w.starts_with('-') => i += 1,
            Some("run") => return Lifetime::LongRunning,
            Some("db") => {
                return match args.get(i + 1).copied().flatten() {
                    Some("upgrade" | "migrate" | "init" | "downgrade" | "stamp") => {
                        Lifetime::OneShot
                    }
                    _ => Lifetime::Unknown,
                };
            }
            Some(_) => return Lifetime::Unknown,
        }
    }
    Lifetime::Unknown
}

fn foreground_httpd(args: &[Word]) -> bool {
    has_word(
        args,
        &["-DFOREGROUND", "-X", "-DNO_DETACH", "-DONE_PROCESS"],
    ) || args.windows(2).any(|p| {
        p[0] == Some("-D") && matches!(p[1], Some("FOREGROUND" | "NO_DETACH" | "ONE_PROCESS"))
    })
}

// ---------------------------------------------------------------------------
// Daemonising programs

const fn d(
    program: &'static str,
    why: &'static str,
    instead: &'static str,
    reference: &'static str,
    config: Option<&'static str>,
) -> Daemonises {
    Daemonises {
        program,
        why,
        instead,
        reference,
        config,
    }
}

static NGINX: Daemonises = d(
    "nginx",
    "nginx starts as a daemon (the `daemon` directive is on by default) unless `-g 'daemon off;'` is given",
    "nginx -g 'daemon off;'",
    "https://nginx.org/en/docs/ngx_core_module.html#daemon",
    Some("daemon off; in nginx.conf"),
);
static PHP_FPM_D: Daemonises = d(
    "php-fpm",
    "`-D` forces php-fpm into the background whatever the config says",
    "php-fpm -F",
    "php-fpm8.2(8), php8.2-fpm 8.2.36-1~deb12u1; https://www.php.net/manual/en/install.fpm.configuration.php#daemonize",
    None,
);
static PHP_FPM: Daemonises = d(
    "php-fpm",
    "php-fpm daemonises unless its config says `daemonize = no` (the compiled default and Debian's php-fpm.conf are `yes`; the official php image sets `no`)",
    "php-fpm -F",
    "php-fpm8.2(8), php8.2-fpm 8.2.36-1~deb12u1 /etc/php/8.2/fpm/php-fpm.conf; https://www.php.net/manual/en/install.fpm.configuration.php#daemonize",
    Some("daemonize = no in php-fpm.conf [global]"),
);
static APACHECTL: Daemonises = d(
    "apachectl",
    "`apachectl start` starts httpd, which detaches and the script exits",
    "httpd -DFOREGROUND (Debian: . /etc/apache2/envvars && exec apache2 -DFOREGROUND)",
    "https://httpd.apache.org/docs/2.4/programs/apachectl.html",
    None,
);
static HTTPD: Daemonises = d(
    "httpd",
    "httpd detaches from the terminal unless `-DFOREGROUND` (or `-X`) is given",
    "httpd -DFOREGROUND",
    "https://httpd.apache.org/docs/2.4/programs/httpd.html",
    None,
);
static SSHD: Daemonises = d(
    "sshd",
    "sshd detaches and becomes a daemon unless `-D` (or `-d`, debug) is given",
    "/usr/sbin/sshd -D -e",
    "sshd(8), openssh-server 1:9.2p1-2+deb12u10; https://man.openbsd.org/sshd",
    None,
);
static CRON: Daemonises = d(
    "cron",
    "cron daemonises unless `-f` (stay in foreground) is given",
    "cron -f",
    "cron(8), cron 3.0pl1-162",
    None,
);
static CROND: Daemonises = d(
    "crond",
    "crond daemonises unless `-f` (busybox, cronie) or `-n` (cronie) is given",
    "crond -f",
    "https://busybox.net/downloads/BusyBox.html#crond; cronie crond(8)",
    None,
);
static RSYSLOGD: Daemonises = d(
    "rsyslogd",
    "rsyslogd backgrounds itself unless `-n` is given",
    "rsyslogd -n",
    "rsyslogd(8), rsyslog 8.2302.0-1+deb12u2",
    None,
);
static REDIS_D: Daemonises = d(
    "redis-server",
    "`--daemonize yes` puts redis-server in the background",
    "redis-server (daemonize is no by default)",
    "https://redis.io/docs/latest/operate/oss_and_stack/management/config/",
    None,
);
static REDIS_DEBIAN: Daemonises = d(
    "redis-server",
    "Debian's /etc/redis/redis.conf says `daemonize yes`",
    "redis-server /etc/redis/redis.conf --daemonize no",
    "redis-server 5:7.0.15-1~deb12u10 /etc/redis/redis.conf",
    Some("daemonize no in the config file"),
);
static PG_CTL: Daemonises = d(
    "pg_ctl",
    "`pg_ctl start` starts the server in the background and exits",
    "postgres -D DATADIR",
    "https://www.postgresql.org/docs/current/app-pg-ctl.html",
    None,
);
static PG_CTLCLUSTER: Daemonises = d(
    "pg_ctlcluster",
    "`pg_ctlcluster V C start` runs `pg_ctl start` (the server goes to the background)",
    "pg_ctlcluster --foreground V C start",
    "pg_ctlcluster(1), postgresql-common 248+deb12u2 /usr/bin/pg_ctlcluster",
    None,
);
static SERVICE: Daemonises = d(
    "service",
    "`service NAME start` runs the init script, which starts the program in the background and exits",
    "the program's own foreground command",
    "service(8) https://manpages.debian.org/bookworm/init-system-helpers/service.8.en.html",
    None,
);
static INIT_D: Daemonises = d(
    "/etc/init.d",
    "an init script's `start` starts the program in the background and exits",
    "the program's own foreground command",
    "https://refspecs.linuxfoundation.org/LSB_5.0.0/LSB-Core-generic/LSB-Core-generic/iniscrptact.html",
    None,
);
static RC_SERVICE: Daemonises = d(
    "rc-service",
    "`rc-service NAME start` runs the OpenRC script, which starts the program in the background",
    "the program's own foreground command",
    "https://github.com/OpenRC/openrc/blob/master/service-script-guide.md",
    None,
);
static POSTFIX: Daemonises = d(
    "postfix",
    "`postfix start` starts the master daemon in the background",
    "postfix start-fg",
    "postfix(1), postfix 3.7.11-0+deb12u1",
    None,
);
static MEMCACHED: Daemonises = d(
    "memcached",
    "`-d` runs memcached as a daemon",
    "memcached",
    "memcached(1), memcached 1.6.18-1+deb12u1",
    None,
);
static MONGOD: Daemonises = d(
    "mongod",
    "`--fork` runs mongod in the background",
    "mongod",
    "https://www.mongodb.com/docs/manual/reference/program/mongod/#std-option-mongod.--fork",
    None,
);
static HAPROXY_D: Daemonises = d(
    "haproxy",
    "`-D` starts haproxy in daemon mode",
    "haproxy -db -f CFG",
    "haproxy(1), haproxy 2.6.12-1+deb12u4",
    None,
);
static HAPROXY_DEBIAN: Daemonises = d(
    "haproxy",
    "Debian's /etc/haproxy/haproxy.cfg has `daemon` in its global section",
    "haproxy -db -f /etc/haproxy/haproxy.cfg",
    "haproxy 2.6.12-1+deb12u4 /etc/haproxy/haproxy.cfg",
    Some("no daemon in the global section"),
);
static VARNISHD: Daemonises = d(
    "varnishd",
    "varnishd forks into the background unless `-F` (or `-d`) is given",
    "varnishd -F",
    "varnishd(1), varnish 7.1.1-2+deb12u1",
    None,
);
static SQUID: Daemonises = d(
    "squid",
    "squid runs in daemon mode unless `-N` (or `--foreground`) is given",
    "squid -N",
    "squid(8), squid 5.7-2+deb12u6",
    None,
);
static DNSMASQ: Daemonises = d(
    "dnsmasq",
    "dnsmasq goes into the background unless `-k`/`--keep-in-foreground` is given",
    "dnsmasq -k",
    "dnsmasq(8), dnsmasq-base 2.90-4~deb12u2",
    None,
);
static NAMED: Daemonises = d(
    "named",
    "named daemonises unless `-f` or `-g` is given",
    "named -f",
    "named(8), bind9 1:9.18.49-1~deb12u3",
    None,
);
static SMBD: Daemonises = d(
    "smbd",
    "smbd runs as a daemon (assumed when started from a shell) unless `-F`/`--foreground` is given",
    "smbd -F --no-process-group",
    "smbd(8), samba 2:4.17.12+dfsg-0+deb12u4",
    None,
);
static SUPERVISORD: Daemonises = d(
    "supervisord",
    "supervisord daemonises unless `-n` or `nodaemon=true` in its config (Debian's supervisord.conf does not set it)",
    "supervisord -n",
    "supervisord(1), supervisor 4.2.5-1",
    Some("nodaemon=true in [supervisord]"),
);
static MYSQLD_SAFE_NOWATCH: Daemonises = d(
    "mysqld_safe",
    "`--nowatch` runs mariadbd with `eval \"$cmd &\"` and the script exits",
    "mariadbd",
    "mariadb-server 1:10.11.19-0+deb12u1 /usr/bin/mariadbd-safe",
    None,
);
static CATALINA_START: Daemonises = d(
    "catalina.sh",
    "`catalina.sh start` (and startup.sh) runs java with `nohup ... &` and exits",
    "catalina.sh run",
    "tomcat10-common 10.1.60-1~deb12u1 /usr/share/tomcat10/bin/catalina.sh, startup.sh",
    None,
);
static ZKSERVER_START: Daemonises = d(
    "zkServer.sh",
    "`zkServer.sh start` runs java with `nohup ... &` and exits",
    "zkServer.sh start-foreground",
    "zookeeper 3.8.0-11+deb12u2 /usr/share/zookeeper/bin/zkServer.sh",
    None,
);
static RABBITMQ_DETACHED: Daemonises = d(
    "rabbitmq-server",
    "`-detached` starts the server process in the background",
    "rabbitmq-server",
    "rabbitmq-server(8), https://www.rabbitmq.com/docs/man/rabbitmq-server.8",
    None,
);
static PM2: Daemonises = d(
    "pm2",
    "`pm2 start` hands the app to the PM2 daemon in the background and exits",
    "pm2-runtime",
    "https://pm2.keymetrics.io/docs/usage/docker-pm2-nodejs/",
    None,
);
static CADDY_START: Daemonises = d(
    "caddy",
    "`caddy start` starts caddy in the background and exits",
    "caddy run",
    "https://caddyserver.com/docs/command-line#caddy-start",
    None,
);
static LIGHTTPD: Daemonises = d(
    "lighttpd",
    "lighttpd goes to the background unless `-D` is given",
    "lighttpd -D -f CFG",
    "lighttpd(8) https://manpages.debian.org/bookworm/lighttpd/lighttpd.8.en.html",
    None,
);
static RSYNC_DAEMON: Daemonises = d(
    "rsync",
    "`rsync --daemon` detaches unless `--no-detach` is given",
    "rsync --daemon --no-detach",
    "rsync(1) https://download.samba.org/pub/rsync/rsync.1",
    None,
);

static GUNICORN_D: Daemonises = d(
    "gunicorn",
    "`-D`/`--daemon` detaches the server process from the terminal",
    "gunicorn (without --daemon)",
    "https://docs.gunicorn.org/en/stable/settings.html#daemon",
    None,
);
static UWSGI_D: Daemonises = d(
    "uwsgi",
    "`--daemonize LOGFILE` (`-d`) / `--daemonize2` detaches uWSGI",
    "uwsgi without --daemonize",
    "https://uwsgi-docs.readthedocs.io/en/latest/Options.html#daemonize",
    None,
);

/// Every entry of the daemonising table.
pub static DAEMONISES: &[&Daemonises] = &[
    &NGINX,
    &PHP_FPM_D,
    &PHP_FPM,
    &APACHECTL,
    &HTTPD,
    &SSHD,
    &CRON,
    &CROND,
    &RSYSLOGD,
    &REDIS_D,
    &REDIS_DEBIAN,
    &PG_CTL,
    &PG_CTLCLUSTER,
    &SERVICE,
    &INIT_D,
    &RC_SERVICE,
    &POSTFIX,
    &MEMCACHED,
    &MONGOD,
    &HAPROXY_D,
    &HAPROXY_DEBIAN,
    &VARNISHD,
    &SQUID,
    &DNSMASQ,
    &NAMED,
    &SMBD,
    &SUPERVISORD,
    &MYSQLD_SAFE_NOWATCH,
    &CATALINA_START,
    &ZKSERVER_START,
    &RABBITMQ_DETACHED,
    &PM2,
    &CADDY_START,
    &LIGHTTPD,
    &RSYNC_DAEMON,
    &GUNICORN_D,
    &UWSGI_D,
];

const NGINX_OPTS: Opts = Opts {
    short_arg: "sgpce",
    long_arg: &[],
};
const SSHD_OPTS: Opts = Opts {
    short_arg: "CcEfghkopu",
    long_arg: &[],
};
const HAPROXY: Opts = Opts {
    short_arg: "fLNpCSxm",
    long_arg: &[],
};

/// `daemon off;` among nginx `-g` directives.
fn nginx_daemon_off(g: &str) -> bool {
    g.split(';').any(|d| {
        let mut t = d.split_whitespace();
        t.next() == Some("daemon") && t.next() == Some("off") && t.next().is_none()
    })
}

/// What a command that stops services does in a signal handler: it
/// signals them (true), and it returns only once they have stopped (the
/// second bool). Each from the tool's manual: `gitlab-ctl stop` and runit's
/// `sv stop` stop the services and wait for them (sv: up to 7 s); a
/// supervisor's `supervisorctl stop|shutdown` waits; `nginx -s quit` and
/// `apachectl graceful-stop` only send the signal; `pg_ctl stop` waits
/// (its default `-w`); `rabbitmqctl stop`, `redis-cli shutdown` and
/// `mysqladmin shutdown` return after the server stopped; `pkill` and
/// `killall` send a signal by name, like `kill`; an app's control script
/// asked to stop (`bin/nifi.sh stop`, `kafka-server-stop.sh`) signals and
/// polls until the process is gone.
#[must_use]
pub fn stops_services(words: &[Word]) -> Option<(bool, bool)> {
    let p = prog(words)?;
    let sub = |set: &[&str]| {
        words[1..]
            .iter()
            .flatten()
            .find(|w| !w.starts_with('-'))
            .is_some_and(|w| set.contains(w))
    };
    let has = |set: &[&str]| has_word(&words[1..], set);
    let hard = has(&["-9", "-KILL", "-SIGKILL", "-s9"]);
    let waits = match p {
        "gitlab-ctl" if sub(&["stop", "graceful-kill"]) => true,
        "sv" if sub(&[
            "stop",
            "down",
            "force-stop",
            "exit",
            "force-shutdown",
            "shutdown",
        ]) =>
        {
            !has(&["-w0"])
        }
        "supervisorctl" if sub(&["stop", "shutdown"]) => true,
        "s6-svscanctl" if has(&["-t", "-q", "-7", "-0"]) => false,
        "s6-svc" if has(&["-d", "-t"]) => has(&["-w", "-wd", "-wD"]),
        "nginx" | "openresty" if has(&["quit", "stop"]) && has(&["-s"]) => false,
        "apachectl" | "apache2ctl" if sub(&["stop", "graceful-stop"]) => false,
        "httpd" | "apache2" if has(&["-k"]) && has(&["stop", "graceful-stop"]) => false,
        "pg_ctl" | "pg_ctlcluster" if has(&["stop"]) => !has(&["-W", "--no-wait"]),
        "rabbitmqctl" if sub(&["stop", "shutdown"]) => true,
        "redis-cli" | "valkey-cli" if has(&["shutdown", "SHUTDOWN"]) => true,
        "mysqladmin" | "mariadb-admin" if has(&["shutdown"]) => true,
        "service" if words.get(2).copied().flatten() == Some("stop") => true,
        "systemctl" if sub(&["stop"]) => true,
        "pkill" | "killall" if !hard && words.len() > 1 => false,
        // An app's own control script asked to stop (`bin/nifi.sh stop`,
        // `catalina.sh stop`, `kafka-server-stop.sh`, tomcat's
        // `shutdown.sh`): these signal the process and poll until it is gone.
        _ if p.ends_with(".sh") && sub(&["stop", "shutdown", "graceful-stop"]) => true,
        _ if p.ends_with(".sh") && (p.contains("stop") || p.starts_with("shutdown")) => true,
        _ => return None,
    };
    Some((true, waits))
}

/// A verdict that needs `absent` to hold for certain.
fn when(absent: Option<bool>, entry: &'static Daemonises) -> Option<&'static Daemonises> {
    (absent == Some(false)).then_some(entry)
}

/// Whether the command puts its program in the background. See the module
/// doc for the table.
#[must_use]
pub fn daemonises(words: &[Word]) -> Option<&'static Daemonises> {
    let first = words.first().copied().flatten()?;
    let p = base_name(first);
    let args = &words[1..];
    if first.starts_with("/etc/init.d/") {
        return matches!(args.first(), Some(Some("start" | "restart"))).then_some(&INIT_D);
    }
    match p {
        "nginx" => {
            let s = scan(words, &NGINX_OPTS);
            if !s.operands.is_empty()
                || s.flag(&['t', 'T', 's', 'v', 'V', 'h', '?'], &[]) != Some(false)
            {
                return None;
            }
            let mut off = false;
            for (c, v) in &s.short {
                if *c == 'g' {
                    off |= nginx_daemon_off((*v)?);
                }
            }
            (!off).then_some(&NGINX)
        }
        _ if p.starts_with("php-fpm") => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "cdgpy",
                    long_arg: &["fpm-config", "prefix", "pid"],
                },
            );
            if s.has_short('D') || s.has_long(&["daemonize"]) {
                return Some(&PHP_FPM_D);
            }
            let other = s.flag(
                &['F', 't', 'v', 'i', 'm', 'h', '?'],
                &["nodaemonize", "test", "version", "info", "modules", "help"],
            );
            when(other, &PHP_FPM)
        }
        "apachectl" | "apache2ctl" => {
            let start = matches!(args.first(), Some(Some("start" | "restart" | "graceful")))
                || args.windows(2).any(|p| {
                    p[0] == Some("-k") && matches!(p[1], Some("start" | "restart" | "graceful"))
                });
            (start && !foreground_httpd(args)).then_some(&APACHECTL)
        }
        "httpd" | "apache2" => {
            if !all_known(args) || foreground_httpd(args) {
                return None;
            }
            let one_shot = args.iter().flatten().any(|w| {
                matches!(
                    *w,
                    "-t" | "-v" | "-V" | "-S" | "-M" | "-l" | "-L" | "-h" | "-?"
                ) || w.starts_with("-t")
            }) || args.windows(2).any(|p| {
                p[0] == Some("-k")
                    && matches!(
                        p[1],
                        Some("stop" | "restart" | "graceful" | "graceful-stop")
                    )
            });
            (!one_shot).then_some(&HTTPD)
        }
        "sshd" => {
            let s = scan(words, &SSHD_OPTS);
            when(s.flag(&['D', 'd', 't', 'T', 'V', 'i'], &[]), &SSHD)
        }
        "cron" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "L",
                    long_arg: &[],
                },
            );
            when(s.flag(&['f', 'V', 'h'], &[]), &CRON)
        }
        "crond" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "lLcdpm",
                    long_arg: &[],
                },
            );
            when(s.flag(&['f', 'n', 'V', 'h'], &[]), &CROND)
        }
        "rsyslogd" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "fiMNdpS",
                    long_arg: &[],
                },
            );
            when(s.flag(&['n', 'N', 'v', 'd'], &[]), &RSYSLOGD)
        }
        "redis-server" | "valkey-server" => {
            let mut i = 0;
            while i + 1 < args.len() {
                if args[i] == Some("--daemonize") {
                    return match args[i + 1] {
                        Some(v) if v.eq_ignore_ascii_case("yes") => Some(&REDIS_D),
                        _ => None,
                    };
                }
                i += 1;
            }
            (args.first() == Some(&Some("/etc/redis/redis.conf")) && all_known(args))
                .then_some(&REDIS_DEBIAN)
        }
        "pg_ctl" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "DlmNoptcWwe",
                    long_arg: &["pgdata", "log", "mode", "options", "timeout", "silent"],
                },
            );
            (s.operand(0) == Some("start")).then_some(&PG_CTL)
        }
        "pg_ctlcluster" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "o",
                    long_arg: &["options", "mode"],
                },
            );
            let start = s.operands.iter().take(3).any(|o| *o == Some("start"));
            if start {
                when(s.flag(&[], &["foreground"]), &PG_CTLCLUSTER)
            } else {
                None
            }
        }
        "service" => matches!(args.get(1), Some(Some("start" | "restart"))).then_some(&SERVICE),
        "rc-service" => {
            let ops: Vec<_> = args
                .iter()
                .filter(|w| !w.is_some_and(|w| w.starts_with('-')))
                .collect();
            matches!(ops.get(1), Some(Some("start" | "restart"))).then_some(&RC_SERVICE)
        }
        "postfix" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "c",
                    long_arg: &[],
                },
            );
            (s.operand(0) == Some("start")).then_some(&POSTFIX)
        }
        "memcached" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "pUsaltmcfnPRBIoSeLOTbADFX",
                    long_arg: &[
                        "port",
                        "udp-port",
                        "socket",
                        "listen",
                        "memory-limit",
                        "conn-limit",
                        "threads",
                        "user",
                        "pidfile",
                        "extended",
                    ],
                },
            );
            (s.has_short('d') || s.has_long(&["daemon"])).then_some(&MEMCACHED)
        }
        "mongod" | "mongos" => has_word(args, &["--fork"]).then_some(&MONGOD),
        "haproxy" => {
            let s = scan(words, &HAPROXY);
            if s.has_short('D') {
                return Some(&HAPROXY_D);
            }
            let debian = s
                .short
                .iter()
                .any(|(c, v)| *c == 'f' && *v == Some("/etc/haproxy/haproxy.cfg"));
            let fg = s.flag(&['d', 'c', 'v'], &[]);
            // -db, -Ws are clusters of 'd'/'W' options.
            let ws = args.iter().flatten().any(|w| *w == "-Ws" || *w == "-db");
            if debian && !ws {
                when(fg, &HAPROXY_DEBIAN)
            } else {
                None
            }
        }
        "varnishd" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "abfhilMnpPrsStTIjEW",
                    long_arg: &[],
                },
            );
            when(s.flag(&['F', 'd', 'C', 'V', 'x', '?'], &[]), &VARNISHD)
        }
        "squid" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "afklnsu",
                    long_arg: &[],
                },
            );
            when(
                s.flag(&['N', 'k', 'v', 'h'], &["foreground", "version", "help"]),
                &SQUID,
            )
        }
        "dnsmasq" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "CrupPaeAHx",
                    long_arg: &[
                        "conf-file",
                        "user",
                        "group",
                        "pid-file",
                        "port",
                        "interface",
                        "address",
                        "listen-address",
                        "server",
                    ],
                },
            );
            when(
                s.flag(
                    &['k', 'd', 'v', 'w'],
                    &["keep-in-foreground", "no-daemon", "test", "version", "help"],
                ),
                &DNSMASQ,
            )
        }
        "named" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "cdEmnLptuUSTDAM",
                    long_arg: &[],
                },
            );
            when(s.flag(&['f', 'g', 'v', 'V', 'C'], &[]), &NAMED)
        }
        "smbd" | "nmbd" | "samba" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "sdlpPMO",
                    long_arg: &[
                        "configfile",
                        "debuglevel",
                        "log-basename",
                        "port",
                        "option",
                        "model",
                    ],
                },
            );
            if s.has_short('D') || s.has_long(&["daemon"]) {
                return Some(&SMBD);
            }
            when(
                s.flag(
                    &['F', 'i', 'b', 'V'],
                    &["foreground", "interactive", "build-options", "version"],
                ),
                &SMBD,
            )
        }
        "supervisord" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "cudmlyezjiqk",
                    long_arg: &[
                        "configuration",
                        "user",
                        "directory",
                        "umask",
                        "logfile",
                        "logfile_maxbytes",
                        "logfile_backups",
                        "loglevel",
                        "pidfile",
                        "identifier",
                        "childlogdir",
                        "minfds",
                        "minprocs",
                        "profile_options",
                    ],
                },
            );
            // A config file of the project's own (`-c`, not the package's):
            // containers set `nodaemon=true` there, which dsig does not read.
            let config = s
                .short
                .iter()
                .find(|(c, _)| *c == 'c')
                .map(|(_, v)| *v)
                .or_else(|| {
                    s.long
                        .iter()
                        .find(|(l, _)| *l == "configuration")
                        .map(|(_, v)| *v)
                });
            if let Some(path) = config {
                if !matches!(
                    path,
                    Some("/etc/supervisor/supervisord.conf" | "/etc/supervisord.conf")
                ) {
                    return None;
                }
            }
            when(
                s.flag(&['n', 'v', 'h'], &["nodaemon", "version", "help"]),
                &SUPERVISORD,
            )
        }
        "mysqld_safe" | "mariadbd-safe" => {
            has_word(args, &["--nowatch", "--no-watch"]).then_some(&MYSQLD_SAFE_NOWATCH)
        }
        "catalina.sh" => (args.first() == Some(&Some("start"))).then_some(&CATALINA_START),
        // Tomcat's, in its bin/ directory: a project's own `/startup.sh` is
        // another script.
        "startup.sh" => (first.contains("tomcat")
            || first.contains("catalina")
            || first.ends_with("bin/startup.sh"))
        .then_some(&CATALINA_START),
        "zkServer.sh" => args
            .iter()
            .flatten()
            .any(|w| *w == "start")
            .then_some(&ZKSERVER_START),
        "rabbitmq-server" => has_word(args, &["-detached"]).then_some(&RABBITMQ_DETACHED),
        "gunicorn" => has_word(args, &["-D", "--daemon"]).then_some(&GUNICORN_D),
        "uwsgi" => args
            .iter()
            .flatten()
            .any(|w| w.starts_with("--daemonize") || w.starts_with("-d"))
            .then_some(&UWSGI_D),
        // `--no-daemon` keeps pm2 itself in the foreground (PM2 docs: "pm2
        // start app.js --no-daemon"); SIG021 judges pm2 as PID 1.
        "pm2" => (matches!(args.first(), Some(Some("start" | "restart" | "reload")))
            && !args.iter().any(|a| matches!(a, Some("--no-daemon") | None)))
        .then_some(&PM2),
        "caddy" => (args.first() == Some(&Some("start"))).then_some(&CADDY_START),
        "lighttpd" => {
            let s = scan(
                words,
                &Opts {
                    short_arg: "fmi",
                    long_arg: &[],
                },
            );
            when(s.flag(&['D', 't', 'p', 'v', 'V', 'h', '1'], &[]), &LIGHTTPD)
        }
        "rsync" => {
            if !has_word(args, &["--daemon"]) {
                return None;
            }
            when(
                Some(has_word(args, &["--no-detach"])).filter(|_| all_known(args)),
                &RSYNC_DAEMON,
            )
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Wrapper scripts

static APACHE2CTL: WrapperScript = WrapperScript {
    name: "apache2ctl",
    runs: "$HTTPD ${APACHE_ARGUMENTS} \"$@\" (apache2) as a child; no exec, no trap",
    execs: false,
    forwards: false,
    source: "apache2 2.4.71-1~deb12u1, /usr/sbin/apache2ctl (/usr/sbin/apachectl is a symlink to it)",
    instead: "sh -c '. /etc/apache2/envvars && exec apache2 -DFOREGROUND' (official httpd image: httpd-foreground)",
};
static MYSQLD_SAFE: WrapperScript = WrapperScript {
    name: "mysqld_safe",
    runs: "mariadbd as a child in a restart loop, after trap '' 1 2 3 15 (SIGTERM ignored)",
    execs: false,
    forwards: false,
    source: "mariadb-server 1:10.11.19-0+deb12u1, /usr/bin/mariadbd-safe (/usr/bin/mysqld_safe is a symlink to it)",
    instead: "mariadbd (or mysqld) directly",
};
static CATALINA_RUN: WrapperScript = WrapperScript {
    name: "catalina.sh",
    runs: "eval exec java ... org.apache.catalina.startup.Bootstrap start",
    execs: true,
    forwards: false,
    source: "tomcat10-common 10.1.60-1~deb12u1, /usr/share/tomcat10/bin/catalina.sh",
    instead: "catalina.sh run",
};
static PG_CTLCLUSTER_FG: WrapperScript = WrapperScript {
    name: "pg_ctlcluster",
    runs: "exec '/bin/sh', '-c', \"exec $postgres $postgres_opts\" (perl exec, then shell exec)",
    execs: true,
    forwards: false,
    source: "postgresql-common 248+deb12u2, /usr/bin/pg_ctlcluster",
    instead: "pg_ctlcluster --foreground V C start",
};
static RABBITMQ_UPSTREAM: WrapperScript = WrapperScript {
    name: "rabbitmq-server",
    runs: "start_rabbitmq_server \"$@\" & (exec erl) then wait; trap \"stop_rabbitmq_server; exit 0\" TERM sends SIGTERM on",
    execs: false,
    forwards: true,
    source: "rabbitmq-server 3.10.8-1.1+deb12u1, /usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/sbin/rabbitmq-server (upstream script)",
    instead: "rabbitmq-server",
};
static RABBITMQ_DEBIAN: WrapperScript = WrapperScript {
    name: "rabbitmq-server",
    runs: "/usr/lib/rabbitmq/bin/rabbitmq-server as a child (as root: su rabbitmq -s /bin/sh -c ...); no exec, no trap",
    execs: false,
    forwards: false,
    source: "rabbitmq-server 3.10.8-1.1+deb12u1, /usr/lib/rabbitmq/bin/rabbitmq-script-wrapper (/usr/sbin/rabbitmq-server links to it)",
    instead: "/usr/lib/rabbitmq/bin/rabbitmq-server, as the rabbitmq user (USER rabbitmq or gosu rabbitmq)",
};
static ZKSERVER_FG: WrapperScript = WrapperScript {
    name: "zkServer.sh",
    runs: "ZOO_CMD=(exec \"$JAVA\") ... \"${ZOO_CMD[@]}\"",
    execs: true,
    forwards: false,
    source: "zookeeper 3.8.0-11+deb12u2, /usr/share/zookeeper/bin/zkServer.sh",
    instead: "zkServer.sh start-foreground",
};

/// Every entry of the wrapper-script table.
pub static WRAPPER_SCRIPTS: &[&WrapperScript] = &[
    &APACHE2CTL,
    &MYSQLD_SAFE,
    &CATALINA_RUN,
    &PG_CTLCLUSTER_FG,
    &RABBITMQ_UPSTREAM,
    &RABBITMQ_DEBIAN,
    &ZKSERVER_FG,
];

/// Whether the command is a package's script that starts the real program
/// in the foreground, and whether it execs it. See the module doc.
#[must_use]
pub fn wrapper_script(words: &[Word]) -> Option<&'static WrapperScript> {
    let first = words.first().copied().flatten()?;
    let args = &words[1..];
    match base_name(first) {
        "apache2ctl" | "apachectl" => {
            let action = args.first().copied().flatten();
            let own = matches!(
                action,
                Some(
                    "start"
                        | "stop"
                        | "graceful-stop"
                        | "restart"
                        | "graceful"
                        | "configtest"
                        | "status"
                        | "fullstatus"
                        | "startssl"
                        | "sslstart"
                        | "start-SSL"
                )
            );
            let k = args.windows(2).any(|p| p[0] == Some("-k"));
            let one_shot = has_word(args, &["-t", "-v", "-V", "-S", "-M", "-l", "-L", "-h"]);
            (action.is_some() && !own && !k && !one_shot && foreground_httpd(args))
                .then_some(&APACHE2CTL)
        }
        "mysqld_safe" | "mariadbd-safe" => (all_known(args)
            && !has_word(args, &["--nowatch", "--no-watch", "--help", "--version"]))
        .then_some(&MYSQLD_SAFE),
        "catalina.sh" => (args.first() == Some(&Some("run"))).then_some(&CATALINA_RUN),
        "pg_ctlcluster" => {
            let fg = has_word(args, &["--foreground"]);
            let start = has_word(args, &["start"]);
            (fg && start).then_some(&PG_CTLCLUSTER_FG)
        }
        "rabbitmq-server" => {
            if has_word(args, &["-detached"]) {
                None
            } else if first == "/usr/sbin/rabbitmq-server" {
                Some(&RABBITMQ_DEBIAN)
            } else {
                Some(&RABBITMQ_UPSTREAM)
            }
        }
        "zkServer.sh" => (args.first() == Some(&Some("start-foreground"))).then_some(&ZKSERVER_FG),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Programs that run a command

fn wrapped(name: &'static str, command_at: usize, execs: bool) -> Wrapped {
    Wrapped {
        name,
        command_at,
        execs,
        init: false,
        forwards: false,
        shell_string: false,
    }
}

/// Skip options per `opts` from `words[from]`; the index of the first
/// operand, or `None` when an unknown word is where an option could be or
/// there is no operand. Options stop at the first operand (POSIX order, as
/// wrappers parse with `+` in their getopt string) or after `--`.
fn first_operand(words: &[Word], from: usize, opts: &Opts, flags_only: &[&str]) -> Option<usize> {
    let mut i = from;
    while i < words.len() {
        let w = words[i]?;
        if w == "--" {
            return (i + 1 < words.len()).then_some(i + 1);
        }
        if let Some(long) = w.strip_prefix("--") {
            if !long.contains('=') && opts.long_arg.contains(&long) {
                i += 1;
            }
            i += 1;
            continue;
        }
        if flags_only.contains(&w) {
            i += 1;
            continue;
        }
        if w.len() > 1 && w.starts_with('-') {
            let cluster = &w[1..];
            let mut takes_next = false;
            for (k, c) in cluster.char_indices() {
                if opts.short_arg.contains(c) {
                    takes_next = k + c.len_utf8() == cluster.len();
                    break;
                }
            }
            i += 1 + usize::from(takes_next);
            continue;
        }
        return Some(i);
    }
    None
}

const ENV: Opts = Opts {
    short_arg: "uCS",
    long_arg: &["unset", "chdir", "split-string"],
};
const SETPRIV: Opts = Opts {
    short_arg: "",
    long_arg: &[
        "reuid",
        "regid",
        "ruid",
        "rgid",
        "euid",
        "egid",
        "groups",
        "inh-caps",
        "ambient-caps",
        "bounding-set",
        "securebits",
        "pdeathsig",
        "selinux-label",
        "apparmor-profile",
        "landlock-access",
        "landlock-rule",
        "seccomp-filter",
        "ptracer",
    ],
};
const SU: Opts = Opts {
    short_arg: "ugGscwC",
    long_arg: &[
        "user",
        "group",
        "supp-group",
        "shell",
        "command",
        "session-command",
        "whitelist-environment",
    ],
};
const SUDO: Opts = Opts {
    short_arg: "CDghpRrtTUu",
    long_arg: &[
        "close-from",
        "chdir",
        "group",
        "host",
        "prompt",
        "chroot",
        "role",
        "type",
        "command-timeout",
        "other-user",
        "user",
    ],
};
const TINI: Opts = Opts {
    short_arg: "ep",
    long_arg: &[],
};
const DUMB_INIT: Opts = Opts {
    short_arg: "r",
    long_arg: &["rewrite"],
};
const TIMEOUT: Opts = Opts {
    short_arg: "sk",
    long_arg: &["signal", "kill-after"],
};
const NICE: Opts = Opts {
    short_arg: "n",
    long_arg: &["adjustment"],
};
const IONICE: Opts = Opts {
    short_arg: "cnpPu",
    long_arg: &["class", "classdata", "pid", "pgid", "uid"],
};
const STDBUF: Opts = Opts {
    short_arg: "ioe",
    long_arg: &["input", "output", "error"],
};
const NUMACTL: Opts = Opts {
    short_arg: "imNCpPw",
    long_arg: &[
        "interleave",
        "membind",
        "cpunodebind",
        "physcpubind",
        "preferred",
        "preferred-many",
        "weighted-interleave",
        "offset",
        "shmmode",
        "length",
        "shmid",
        "shm",
        "file",
    ],
};
const CHPST: Opts = Opts {
    short_arg: "uUbe/nlLmdopfcrt",
    long_arg: &[],
};
const XVFB_RUN: Opts = Opts {
    short_arg: "efnpsw",
    long_arg: &[
        "error-file",
        "auth-file",
        "server-num",
        "xauth-protocol",
        "server-args",
        "wait",
    ],
};

/// Whether the command is a program that runs another one (and where that
/// starts). See the module doc for the table.
#[must_use]
pub fn exec_wrapper(words: &[Word]) -> Option<Wrapped> {
    let p = prog(words)?;
    match p {
        "env" => {
            let mut i = first_operand(words, 1, &ENV, &["-"])?;
            let split = words[1..i].iter().flatten().any(|w| {
                w.starts_with("--split-string")
                    || (w.starts_with('-') && !w.starts_with("--") && w.contains('S'))
            });
            if split {
                return None;
            }
            while i < words.len() {
                let w = words[i]?;
                if w.contains('=') {
                    i += 1;
                } else {
                    return Some(wrapped("env", i, true));
                }
            }
            None
        }
        "nohup" => first_operand(words, 1, &NO_OPTS, &[]).map(|i| wrapped("nohup", i, true)),
        "gosu" | "su-exec" | "s6-setuidgid" => {
            let name = match p {
                "gosu" => "gosu",
                "su-exec" => "su-exec",
                _ => "s6-setuidgid",
            };
            if words
                .get(1)
                .copied()
                .flatten()
                .is_some_and(|w| w.starts_with('-'))
            {
                return None; // --help, --version
            }
            (words.len() > 2).then(|| wrapped(name, 2, true))
        }
        "setpriv" => {
            if has_word(words, &["-d", "--dump", "-h", "--help", "-V", "--version"]) {
                return None;
            }
            first_operand(words, 1, &SETPRIV, &[]).map(|i| wrapped("setpriv", i, true))
        }
        "chroot" => {
            let root = first_operand(
                words,
                1,
                &Opts {
                    short_arg: "",
                    long_arg: &["userspec", "groups"],
                },
                &[],
            )?;
            (root + 1 < words.len()).then(|| wrapped("chroot", root + 1, true))
        }
        "chpst" => first_operand(words, 1, &CHPST, &[]).map(|i| wrapped("chpst", i, true)),
        "nice" => {
            // The old form `nice -5 cmd` / `nice --5 cmd`.
            let mut from = 1;
            if let Some(Some(w)) = words.get(1) {
                let n = w.trim_start_matches('-');
                if w.starts_with('-') && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
                    from = 2;
                }
            }
            first_operand(words, from, &NICE, &[]).map(|i| wrapped("nice", i, true))
        }
        "ionice" => {
            let s = scan(words, &IONICE);
            if s.has_short('p')
                || s.has_short('P')
                || s.has_short('u')
                || s.has_long(&["pid", "pgid", "uid"])
            {
                return None;
            }
            first_operand(words, 1, &IONICE, &[]).map(|i| wrapped("ionice", i, true))
        }
        "taskset" => {
            let mask = first_operand(words, 1, &NO_OPTS, &[])?;
            if words[1..mask].iter().flatten().any(|w| {
                *w == "--pid" || (w.starts_with('-') && !w.starts_with("--") && w.contains('p'))
            }) {
                return None;
            }
            (mask + 1 < words.len()).then(|| wrapped("taskset", mask + 1, true))
        }
        "stdbuf" => first_operand(words, 1, &STDBUF, &[]).map(|i| wrapped("stdbuf", i, true)),
        "numactl" => {
            if has_word(words, &["-s", "--show", "-H", "--hardware"]) {
                return None;
            }
            first_operand(words, 1, &NUMACTL, &[]).map(|i| wrapped("numactl", i, true))
        }
        "wait-for-it" | "wait-for-it.sh" => {
            let dd = words.iter().position(|w| *w == Some("--"))?;
            (dd + 1 < words.len()).then(|| wrapped("wait-for-it", dd + 1, true))
        }
        "tini" | "tini-static" => {
            let i = first_operand(words, 1, &TINI, &[])?;
            Some(Wrapped {
                init: true,
                forwards: true,
                ..wrapped("tini", i, false)
            })
        }
        "dumb-init" => {
            let i = first_operand(words, 1, &DUMB_INIT, &[])?;
            Some(Wrapped {
                init: true,
                forwards: true,
                ..wrapped("dumb-init", i, false)
            })
        }
        "timeout" => {
            let dur = first_operand(words, 1, &TIMEOUT, &[])?;
            (dur + 1 < words.len()).then(|| Wrapped {
                forwards: true,
                ..wrapped("timeout", dur + 1, false)
            })
        }
        "runuser" | "su" => {
            let name = if p == "su" { "su" } else { "runuser" };
            let child = |i, shell_string| Wrapped {
                forwards: true,
                shell_string,
                ..wrapped(name, i, false)
            };
            if p == "runuser" && has_word(words, &["-u", "--user"]) {
                // `runuser -u USER [--] CMD ARGS`: options end at the command.
                return first_operand(words, 1, &SU, &["-", "-l", "--login"])
                    .map(|i| child(i, false));
            }
            // `su [opts] [-] [USER] -c STRING`: the word after -c (or after a
            // cluster of flags ending in c, `-lc`). Attached `-cSTRING` and
            // `--command=STRING` have no word of their own: not followed.
            for (i, w) in words.iter().enumerate().skip(1) {
                let w = (*w)?;
                if w == "--" {
                    return None;
                }
                let c_last = w == "--command"
                    || (w.len() > 1
                        && !w.starts_with("--")
                        && w.starts_with('-')
                        && w.ends_with('c')
                        && w[1..w.len() - 1].chars().all(|f| "lmpfP".contains(f)));
                if c_last {
                    return (i + 1 < words.len()).then(|| child(i + 1, true));
                }
            }
            None
        }
        "sudo" => {
            if has_word(
                words,
                &[
                    "-b",
                    "--background",
                    "-e",
                    "--edit",
                    "-l",
                    "--list",
                    "-v",
                    "--validate",
                    "-k",
                    "-K",
                    "-V",
                    "--version",
                    "-h",
                    "--help",
                ],
            ) {
                return None;
            }
            let mut i = first_operand(words, 1, &SUDO, &[])?;
            while i < words.len() {
                let w = words[i]?;
                if w.contains('=') && !w.starts_with('/') {
                    i += 1;
                } else {
                    return Some(Wrapped {
                        forwards: true,
                        ..wrapped("sudo", i, false)
                    });
                }
            }
            None
        }
        "dockerize" => {
            // Go flag package: -flag, --flag, -flag=v, -flag v; stops at the
            // first non-flag word.
            const BOOL: &[&str] = &["version", "poll", "no-overwrite"];
            let mut i = 1;
            while i < words.len() {
                let w = words[i]?;
                if w == "--" {
                    i += 1;
                    break;
                }
                if !w.starts_with('-') || w == "-" {
                    break;
                }
                let name = w.trim_start_matches('-');
                if !name.contains('=') && !BOOL.contains(&name) {
                    i += 1;
                }
                i += 1;
            }
            (i < words.len()).then(|| Wrapped {
                forwards: true,
                ..wrapped("dockerize", i, false)
            })
        }
        "xvfb-run" => {
            first_operand(words, 1, &XVFB_RUN, &[]).map(|i| wrapped("xvfb-run", i, false))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<Option<&str>> {
        s.split(' ')
            .map(|w| if w == "$X" { None } else { Some(w) })
            .collect()
    }

    fn at(s: &str) -> Option<(usize, bool)> {
        exec_wrapper(&w(s)).map(|x| (x.command_at, x.execs))
    }

    #[test]
    fn wrappers_find_the_command() {
        for (input, want) in [
            ("env A=1 B=2 sleep 5", Some((3, true))),
            ("env -i -u HOME PATH=/bin sleep 5", Some((5, true))),
            ("env -uHOME -- sleep 5", Some((3, true))),
            ("env --unset=HOME --chdir /tmp sleep 5", Some((4, true))),
            ("env - sleep", Some((2, true))),
            ("env -S x", None),
            ("env A=1", None),
            ("env", None),
            ("/usr/bin/env $X sleep", None),
            ("env A=1 $X", None),
            ("nohup sleep 5", Some((1, true))),
            ("nohup -- sleep 5", Some((2, true))),
            ("nohup", None),
            ("gosu app sleep 5", Some((2, true))),
            ("gosu $X $X", Some((2, true))),
            ("gosu app", None),
            ("gosu --version", None),
            ("su-exec app:app sleep", Some((2, true))),
            ("s6-setuidgid app sleep", Some((2, true))),
            (
                "setpriv --reuid 1000 --regid=1000 --init-groups sleep 5",
                Some((5, true)),
            ),
            (
                "setpriv --reuid=1000 --clear-groups -- sleep",
                Some((4, true)),
            ),
            ("setpriv --reuid $X sleep", Some((3, true))),
            ("setpriv $X sleep", None),
            ("setpriv -d", None),
            ("chroot / sleep 5", Some((2, true))),
            (
                "chroot --userspec=1000:1000 --groups 10 / sleep",
                Some((5, true)),
            ),
            ("chroot /newroot", None),
            ("chpst -u app -U app:app -/ /root sleep", Some((7, true))),
            ("chpst -uapp -vP sleep", Some((3, true))),
            ("nice -n 10 sleep", Some((3, true))),
            ("nice -n10 sleep", Some((2, true))),
            ("nice -5 sleep", Some((2, true))),
            ("nice --adjustment=5 sleep", Some((2, true))),
            ("ionice -c 3 sleep", Some((3, true))),
            ("ionice -c3 -n7 sleep", Some((3, true))),
            ("ionice -p 1", None),
            ("taskset 0x1 sleep", Some((2, true))),
            ("taskset -c 0,1 sleep", Some((3, true))),
            ("taskset -ac 0 sleep", Some((3, true))),
            ("taskset -p 1", None),
            ("taskset 0x1", None),
            ("stdbuf -oL -e 0 sleep", Some((4, true))),
            ("stdbuf --output=L sleep", Some((2, true))),
            ("numactl --interleave=all sleep", Some((2, true))),
            ("numactl -N 0 -m 0 -l sleep", Some((6, true))),
            ("numactl --membind 0 sleep", Some((3, true))),
            ("numactl --hardware", None),
            ("wait-for-it.sh db:5432 -t 30 -- sleep", Some((5, true))),
            ("wait-for-it db:5432", None),
            ("xvfb-run -a -s -screen sleep", Some((4, false))),
            ("xvfb-run --server-args=x sleep", Some((2, false))),
        ] {
            assert_eq!(at(input), want, "{input:?}");
        }
    }

    #[test]
    fn inits_and_forwarders() {
        let t = exec_wrapper(&w("tini -- sleep 5")).unwrap();
        assert_eq!(
            (t.command_at, t.execs, t.init, t.forwards),
            (2, false, true, true)
        );
        for (input, want) in [
            ("tini -g -e 143 -s sleep", Some((5, false))),
            ("tini -p SIGTERM -- sleep", Some((4, false))),
            ("/sbin/tini-static sleep", Some((1, false))),
            ("tini --", None),
            ("tini $X sleep", None),
            ("su app", None),
            ("su - app -c x", Some((4, false))),
            ("sudo -u app -E A=1 sleep", Some((5, false))),
            ("sudo -b sleep", None),
            ("sudo", None),
            (
                "dockerize -wait tcp://db:5432 -timeout 30s sleep",
                Some((5, false)),
            ),
            ("dockerize -poll -template=a:b sleep", Some((3, false))),
            ("dockerize -wait tcp://db:5432", None),
            ("sleep 5", None),
        ] {
            assert_eq!(at(input), want, "{input:?}");
        }
        let d = exec_wrapper(&w("dumb-init -c --rewrite 15:2 sleep")).unwrap();
        assert_eq!((d.command_at, d.init), (4, true));
        assert_eq!(at("dumb-init --rewrite=15:2 -- sleep"), Some((3, false)));
        let t = exec_wrapper(&w("timeout -k 5 -s TERM 30 sleep 60")).unwrap();
        assert_eq!(
            (t.command_at, t.execs, t.init, t.forwards),
            (6, false, false, true)
        );
        assert_eq!(at("timeout --preserve-status 10s sleep"), Some((3, false)));
        assert_eq!(at("timeout 10"), None);
        let r = exec_wrapper(&w("runuser -u app -- sleep 5")).unwrap();
        assert_eq!(
            (r.command_at, r.execs, r.forwards, r.shell_string),
            (4, false, true, false)
        );
        assert_eq!(at("runuser -u app sleep"), Some((3, false)));
        let s = exec_wrapper(&w("su -s /bin/sh -c x app")).unwrap();
        assert_eq!((s.command_at, s.shell_string, s.execs), (4, true, false));
    }

    fn daemon(s: &str) -> Option<&'static str> {
        daemonises(&w(s)).map(|d| d.program)
    }

    #[test]
    fn daemonising_programs() {
        assert_eq!(daemon("nginx"), Some("nginx"));
        assert_eq!(
            daemon("/usr/sbin/nginx -c /etc/nginx/nginx.conf"),
            Some("nginx")
        );
        let one = vec![Some("nginx"), Some("-g"), Some("daemon off;")];
        assert_eq!(daemonises(&one), None);
        let attached = vec![Some("nginx"), Some("-gdaemon off;")];
        assert_eq!(daemonises(&attached), None);
        let more = vec![
            Some("nginx"),
            Some("-g"),
            Some("pid /tmp/n.pid; daemon  off;"),
        ];
        assert_eq!(daemonises(&more), None);
        let on = vec![Some("nginx"), Some("-g"), Some("pid /tmp/n.pid;")];
        assert_eq!(daemonises(&on).map(|d| d.program), Some("nginx"));
        for (input, want) in [
            ("nginx -g $X", None),
            ("nginx $X", None),
            ("nginx -t", None),
            ("nginx -s reload", None),
            ("php-fpm -F", None),
            ("php-fpm8.2 --nodaemonize", None),
            ("php-fpm -t", None),
            ("apachectl start", Some("apachectl")),
            ("apache2ctl -k start", Some("apachectl")),
            ("apache2ctl -D FOREGROUND", None),
            ("httpd", Some("httpd")),
            ("httpd -k start", Some("httpd")),
            ("httpd -DFOREGROUND", None),
            ("httpd -D FOREGROUND", None),
            ("apache2 -X", None),
            ("httpd -t", None),
            ("httpd $X", None),
            ("/usr/sbin/sshd", Some("sshd")),
            ("sshd -D -e", None),
            ("sshd -De", None),
            ("sshd -d", None),
            ("sshd -f /etc/ssh/D -p 22", Some("sshd")),
            ("sshd -oLogLevel=DEBUG", Some("sshd")),
            ("sshd $X", None),
            ("sshd -t", None),
            ("cron", Some("cron")),
            ("cron -f", None),
            ("cron -f -L 15", None),
            ("crond", Some("crond")),
            ("crond -f -l 2", None),
            ("crond -n", None),
            ("rsyslogd", Some("rsyslogd")),
            ("rsyslogd -n -f /etc/rsyslog.conf", None),
            ("redis-server --daemonize yes", Some("redis-server")),
            ("redis-server --daemonize no", None),
            ("redis-server", None),
            ("pg_ctl -D /data start", Some("pg_ctl")),
            ("pg_ctl start -D /data -l log", Some("pg_ctl")),
            ("pg_ctl -D /data stop", None),
            ("pg_ctlcluster 15 main start", Some("pg_ctlcluster")),
            ("pg_ctlcluster --foreground 15 main start", None),
            ("pg_ctlcluster $X 15 main start", None),
            ("service nginx start", Some("service")),
            ("service nginx status", None),
            ("/etc/init.d/ssh start", Some("/etc/init.d")),
            ("rc-service -q nginx start", Some("rc-service")),
            ("postfix start", Some("postfix")),
            ("postfix start-fg", None),
            ("memcached -d -u nobody", Some("memcached")),
            ("memcached -u nobody -m 64", None),
            ("mongod --fork --logpath /l", Some("mongod")),
            ("mongod", None),
            ("haproxy -D -f /x.cfg", Some("haproxy")),
            ("haproxy -f /usr/local/etc/haproxy/haproxy.cfg", None),
            ("haproxy -db -f /etc/haproxy/haproxy.cfg", None),
            ("haproxy -Ws -f /etc/haproxy/haproxy.cfg", None),
            ("varnishd -a :80 -f /v.vcl", Some("varnishd")),
            ("varnishd -F -a :80", None),
            ("squid", Some("squid")),
            ("squid -z", Some("squid")),
            ("squid -NYCd 1", None),
            ("squid --foreground", None),
            ("dnsmasq", Some("dnsmasq")),
            ("dnsmasq -k", None),
            ("dnsmasq --keep-in-foreground --log-facility=-", None),
            ("named -u bind", Some("named")),
            ("named -g -u bind", None),
            ("smbd", Some("smbd")),
            ("smbd -F --no-process-group", None),
            ("smbd -F -D", Some("smbd")),
            ("supervisord -n -c /etc/supervisord.conf", None),
            ("supervisord --nodaemon", None),
            ("mysqld_safe --nowatch", Some("mysqld_safe")),
            ("mysqld_safe", None),
            ("catalina.sh start", Some("catalina.sh")),
            ("catalina.sh run", None),
            ("/usr/local/tomcat/bin/startup.sh", Some("catalina.sh")),
            ("$CATALINA_HOME/bin/startup.sh", Some("catalina.sh")),
            // A project's own script of that name.
            ("/startup.sh", None),
            ("supervisord -c /supervisord.conf", None),
            ("zkServer.sh start", Some("zkServer.sh")),
            ("zkServer.sh start-foreground", None),
            ("rabbitmq-server -detached", Some("rabbitmq-server")),
            ("pm2 start app.js", Some("pm2")),
            ("pm2 start app.js --no-daemon", None),
            ("pm2-runtime app.js", None),
            ("caddy start", Some("caddy")),
            ("caddy run", None),
            ("lighttpd -f /l.conf", Some("lighttpd")),
            ("lighttpd -D -f /l.conf", None),
            ("rsync --daemon", Some("rsync")),
            ("rsync --daemon --no-detach", None),
            ("rsync -a a b", None),
            ("dockerd", None),
            ("Xvfb :99", None),
        ] {
            assert_eq!(daemon(input), want, "{input:?}");
        }
        assert!(daemonises(&w("nginx")).unwrap().config.is_some());

        assert_eq!(daemonises(&w("php-fpm -D")).unwrap().config, None);
        assert!(daemonises(&w("php-fpm8.2")).unwrap().config.is_some());

        assert!(daemonises(&w("redis-server /etc/redis/redis.conf"))
            .unwrap()
            .config
            .is_some());
        assert_eq!(
            daemon("redis-server /etc/redis/redis.conf --daemonize no"),
            None
        );

        assert!(daemonises(&w("haproxy -f /etc/haproxy/haproxy.cfg"))
            .unwrap()
            .config
            .is_some());
        assert!(
            daemonises(&w("supervisord -c /etc/supervisor/supervisord.conf"))
                .unwrap()
                .config
                .is_some()
        );
        assert_eq!(daemonises(&[]), None);
        assert_eq!(daemonises(&[None, Some("start")]), None);
    }

    #[test]
    fn wrapper_scripts() {
        let ws = |s: &str| wrapper_script(&w(s)).map(|x| (x.name, x.execs, x.forwards));
        for (input, want) in [
            (
                "apache2ctl -D FOREGROUND",
                Some(("apache2ctl", false, false)),
            ),
            (
                "/usr/sbin/apachectl -DFOREGROUND",
                Some(("apache2ctl", false, false)),
            ),
            ("apache2ctl start", None),
            ("apache2ctl -t", None),
            ("mysqld_safe", Some(("mysqld_safe", false, false))),
            (
                "mysqld_safe --user=mysql",
                Some(("mysqld_safe", false, false)),
            ),
            ("mariadbd-safe --nowatch", None),
            ("mysqld_safe $X", None),
            ("catalina.sh run", Some(("catalina.sh", true, false))),
            (
                "/usr/local/tomcat/bin/catalina.sh run -security",
                Some(("catalina.sh", true, false)),
            ),
            ("catalina.sh start", None),
            (
                "pg_ctlcluster --foreground 15 main start",
                Some(("pg_ctlcluster", true, false)),
            ),
            ("pg_ctlcluster 15 main start", None),
            ("rabbitmq-server", Some(("rabbitmq-server", false, true))),
            (
                "/usr/sbin/rabbitmq-server",
                Some(("rabbitmq-server", false, false)),
            ),
            ("rabbitmq-server -detached", None),
            (
                "zkServer.sh start-foreground",
                Some(("zkServer.sh", true, false)),
            ),
            ("zkServer.sh start", None),
            ("nginx", None),
        ] {
            assert_eq!(ws(input), want, "{input:?}");
        }
        assert_eq!(wrapper_script(&[None]), None);
    }

    fn life(s: &str) -> Lifetime {
        lifetime(&w(s))
    }

    #[test]
    fn lifetimes() {
        use Lifetime::*;
        for (input, want) in [
            ("sleep 5", OneShot),
            ("sleep 1.5m 30", OneShot),
            ("sleep infinity", LongRunning),
            ("sleep 3650d", LongRunning),
            ("sleep 2147483647", LongRunning),
            ("sleep $X", Unknown),
            ("sleep", Unknown),
            ("tail -f /var/log/x", LongRunning),
            ("tail -F /var/log/x", LongRunning),
            ("tail --follow=name x", LongRunning),
            ("tail -n 10 x", OneShot),
            ("tail", Unknown),
            ("cat", Unknown),
            ("cat /etc/hosts", OneShot),
            ("cat $X", Unknown),
            ("sed -i s/a/b/ f", OneShot),
            ("sed s/a/b/ f", OneShot),
            ("sed s/a/b/", Unknown),
            ("envsubst", Unknown),
            ("psql -f /init.sql", OneShot),
            ("mysql -uroot -e x", OneShot),
            ("redis-cli ping", OneShot),
            ("cp a b", OneShot),
            ("/bin/mkdir -p /x", OneShot),
            ("chown -R app /x", OneShot),
            ("echo hi", OneShot),
            ("[", OneShot),
            ("curl -fsS http://x", OneShot),
            ("apt-get update", OneShot),
            ("nc -z db 5432", OneShot),
            ("nc -l 80", Unknown),
            ("wait-for-it db:5432 -t 5", OneShot),
            ("wait-for-it db:5432 -- sleep infinity", LongRunning),
            ("dockerize -wait tcp://db:1", OneShot),
            ("dockerize -wait tcp://db:1 sleep 5", OneShot),
            ("dockerize -stdout /x", LongRunning),
            ("php artisan migrate --force", OneShot),
            ("php artisan config:cache", OneShot),
            ("php artisan serve --host=0.0.0.0", LongRunning),
            ("php artisan queue:work", LongRunning),
            ("php artisan tinker", Unknown),
            ("php -S 0.0.0.0:80", LongRunning),
            ("python manage.py migrate", OneShot),
            ("python3 -u manage.py collectstatic --noinput", OneShot),
            ("python manage.py runserver 0.0.0.0:8000", LongRunning),
            ("python app.py", Unknown),
            ("python -m http.server", LongRunning),
            ("python -m pip install x", OneShot),
            ("python -m gunicorn app:app", LongRunning),
            ("python -m django migrate", OneShot),
            ("python -c x", Unknown),
            ("flask db upgrade", OneShot),
            ("flask --app x run", LongRunning),
            ("alembic -c a.ini upgrade head", OneShot),
            ("rails db:migrate", OneShot),
            ("bin/rails server -b 0.0.0.0", LongRunning),
            ("bundle exec rails s", LongRunning),
            ("bundle exec rake db:migrate", OneShot),
            ("bundle exec puma", LongRunning),
            ("npm ci", OneShot),
            ("npm start", Unknown),
            ("composer install --no-dev", OneShot),
            ("pip install -r r.txt", OneShot),
            ("celery -A proj worker -l info", LongRunning),
            ("celery -A proj call x", Unknown),
            ("gunicorn -b :8000 app:app", LongRunning),
            ("gunicorn --version", OneShot),
            ("uvicorn main:app", LongRunning),
            ("java -jar app.jar", LongRunning),
            ("java -cp x Main", Unknown),
            ("dotnet App.dll", LongRunning),
            ("dotnet publish -c Release", OneShot),
            ("node server.js", LongRunning),
            ("node --enable-source-maps dist/server.js", LongRunning),
            ("node index.js", Unknown),
            ("caddy run --config /c", LongRunning),
            ("caddy start", OneShot),
            ("httpd -DFOREGROUND", LongRunning),
            ("httpd", OneShot),
            ("httpd -t", OneShot),
            ("nginx", Unknown),
            ("nginx -t", OneShot),
            ("php-fpm -F", LongRunning),
            ("php-fpm -D", OneShot),
            ("php-fpm", Unknown),
            ("sshd -D", LongRunning),
            ("sshd", OneShot),
            ("cron -f", LongRunning),
            ("crond -f", LongRunning),
            ("supervisord -n", LongRunning),
            ("supervisord", Unknown),
            ("redis-server", LongRunning),
            ("postgres", LongRunning),
            ("mysqld", LongRunning),
            ("mongod", LongRunning),
            ("traefik", LongRunning),
            ("rr serve -c .rr.yaml", LongRunning),
            ("rr get --location bin/", OneShot),
            ("vault server -config /v", LongRunning),
            ("vault operator unseal", OneShot),
            ("consul agent -dev", LongRunning),
            ("minio server /data", LongRunning),
            ("minio", Unknown),
            ("haproxy -f /usr/local/etc/haproxy/haproxy.cfg", LongRunning),
            ("haproxy -c -f /x", OneShot),
            ("Xvfb :99", LongRunning),
            ("mysqld_safe", LongRunning),
            ("catalina.sh run", LongRunning),
            ("apache2ctl -D FOREGROUND", LongRunning),
            ("apache2ctl start", OneShot),
            ("env A=1 gosu app sleep infinity", LongRunning),
            ("tini -- sleep 5", OneShot),
            ("su app -c x", Unknown),
            ("gosu app", Unknown),
            ("my-app", Unknown),
        ] {
            assert_eq!(life(input), want, "{input:?}");
        }
        assert!(reads_stdin(&w("envsubst")));
        assert!(reads_stdin(&w("cat")));
        assert!(!reads_stdin(&w("cat x")));
        assert!(reads_stdin(&w("mysql -u root db")));
        assert!(!reads_stdin(&w("mysql -e select")));
        assert!(reads_stdin(&w("psql -U postgres")));
        let nginx = vec![Some("nginx"), Some("-g"), Some("daemon off;")];
        assert_eq!(lifetime(&nginx), LongRunning);
        assert_eq!(lifetime(&[]), Unknown);
        assert_eq!(lifetime(&[None]), Unknown);
    }

    #[test]
    fn service_stop_commands() {
        let stop = |t: &str| {
            let w: Vec<Option<&str>> = t.split_whitespace().map(Some).collect();
            stops_services(&w)
        };
        for (input, want) in [
            ("gitlab-ctl stop", Some((true, true))),
            ("gitlab-ctl reconfigure", None),
            ("sv stop /etc/service/app", Some((true, true))),
            ("sv -w0 down app", Some((true, false))),
            ("sv status app", None),
            ("supervisorctl shutdown", Some((true, true))),
            ("nginx -s quit", Some((true, false))),
            ("nginx -t", None),
            ("pg_ctl -D /data stop -m fast", Some((true, true))),
            ("redis-cli shutdown", Some((true, true))),
            ("service nginx stop", Some((true, true))),
            ("service nginx start", None),
            ("pkill -TERM java", Some((true, false))),
            ("pkill -9 java", None),
            ("killall", None),
            ("./bin/nifi.sh stop", Some((true, true))),
            ("./bin/nifi.sh run", None),
            ("kafka-server-stop.sh", Some((true, true))),
            ("/usr/local/tomcat/bin/shutdown.sh", Some((true, true))),
            ("./start.sh", None),
        ] {
            assert_eq!(stop(input), want, "{input:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_words() {
        let programs = [
            "env",
            "nohup",
            "gosu",
            "su-exec",
            "setpriv",
            "chroot",
            "chpst",
            "nice",
            "ionice",
            "taskset",
            "stdbuf",
            "numactl",
            "wait-for-it",
            "tini",
            "dumb-init",
            "timeout",
            "runuser",
            "su",
            "sudo",
            "dockerize",
            "xvfb-run",
            "nginx",
            "php-fpm",
            "apachectl",
            "httpd",
            "sshd",
            "cron",
            "crond",
            "rsyslogd",
            "redis-server",
            "pg_ctl",
            "pg_ctlcluster",
            "service",
            "/etc/init.d/x",
            "rc-service",
            "postfix",
            "memcached",
            "mongod",
            "haproxy",
            "varnishd",
            "squid",
            "dnsmasq",
            "named",
            "smbd",
            "supervisord",
            "mysqld_safe",
            "catalina.sh",
            "zkServer.sh",
            "rabbitmq-server",
            "pm2",
            "caddy",
            "lighttpd",
            "rsync",
            "gunicorn",
            "uwsgi",
            "sleep",
            "tail",
            "cat",
            "sed",
            "awk",
            "grep",
            "jq",
            "mysql",
            "psql",
            "redis-cli",
            "nc",
            "npm",
            "php",
            "python",
            "flask",
            "alembic",
            "rails",
            "bundle",
            "celery",
            "java",
            "dotnet",
            "node",
            "deno",
            "apache2ctl",
        ];
        let vocab: [Option<&str>; 12] = [
            None,
            Some("-"),
            Some("--"),
            Some("-c"),
            Some("-u"),
            Some("-m"),
            Some("-g"),
            Some("--x="),
            Some("start"),
            Some("é"),
            Some("-lc"),
            Some("1d"),
        ];
        for p in programs {
            for n in 0..=3u32 {
                for k in 0..vocab.len().pow(n) {
                    let mut words = vec![Some(p)];
                    let mut k = k;
                    for _ in 0..n {
                        words.push(vocab[k % vocab.len()]);
                        k /= vocab.len();
                    }
                    let _ = lifetime(&words);
                    let _ = daemonises(&words);
                    let _ = wrapper_script(&words);
                    let _ = reads_stdin(&words);
                    if let Some(w) = exec_wrapper(&words) {
                        assert!(w.command_at < words.len(), "{words:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn tables_are_documented() {
        // The rows of the module doc's tables.
        let rows: Vec<&str> = include_str!("programs.rs")
            .lines()
            .filter(|l| l.starts_with("//! | `"))
            .collect();
        let listed = |name: &str| {
            let cell = format!("`{name}");
            rows.iter().any(|r| r.contains(&cell))
        };
        for d in DAEMONISES {
            assert!(listed(d.program), "{} is not in the doc table", d.program);
            assert!(!d.reference.is_empty() && !d.instead.is_empty() && !d.why.is_empty());
        }
        for s in WRAPPER_SCRIPTS {
            assert!(listed(s.name), "{} is not in the doc table", s.name);
            assert!(s.source.contains("deb12"), "{}: no package version", s.name);
        }
        for w in [
            "env",
            "nohup",
            "nice",
            "stdbuf",
            "chroot",
            "setpriv",
            "taskset",
            "ionice",
            "numactl",
            "gosu",
            "su-exec",
            "chpst",
            "s6-setuidgid",
            "wait-for-it",
            "tini",
            "dumb-init",
            "timeout",
            "runuser",
            "su",
            "sudo",
            "dockerize",
            "xvfb-run",
        ] {
            assert!(listed(w), "{w} is not in the doc table");
        }
    }
}
