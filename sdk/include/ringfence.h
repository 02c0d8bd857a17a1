/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ringfence.h: the event types and helpers of ringfence detection rules.
 *
 * GENERATED from the event schemas and the rf_helpers table; do not edit.
 * Regenerate with `ringfence schema --c-header`; the committed copy in sdk/include/ is
 * checked by `cargo test -p ringfence-vm --test event` (RINGFENCE_BLESS=1 rewrites it).
 *
 * A rule's context is `const struct rf_<event> *ctx`. Scalars are read directly
 * (`ctx->pid`); strings live in a data area bounded by `data` and `data_end`, as XDP
 * bounds packets, and are reached through descriptors:
 *   struct rf_str       `len` bytes at `data + off`, not NUL-terminated;
 *   struct rf_str_list  `count` strings joined by NUL bytes (no NUL after the
 *                       last), `len` bytes in all, at `data + off`.
 * Test strings with the rf_str_* helpers below, or read them byte by byte after a
 * bounds check against `data_end` the verifier can see. Addresses (__u32, __u32[4])
 * are in network byte order, IPv4 in an IPv6 field IPv4-mapped (::ffff:a.b.c.d);
 * ports are in host byte order.
 */
#ifndef RINGFENCE_H
#define RINGFENCE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* A string field: `len` bytes at `data + off`, not NUL-terminated. */
struct rf_str {
	__u32 off;
	__u32 len;
};

/* A string-list field: `count` strings joined by NUL bytes, `len` bytes at `data + off`. */
struct rf_str_list {
	__u32 off;
	__u32 len;
	__u32 count;
};

/* A string literal as the (pointer, length) pair the rf_str_* helpers take. */
#define RF_LIT(s) (s), (sizeof(s) - 1)
/* A NUL-separated set (`static const char set[] = "sh\0bash";`) for rf_in_set. */
#define RF_SET(set) (set), sizeof(set)

/* The event types, as `type_id` of an event. */
enum {
	RF_EVENT_PROCESS_EXEC = 1,
	RF_EVENT_FILE_OPEN = 2,
	RF_EVENT_NETWORK_CONNECT = 3,
	RF_EVENT_AUTH_ATTEMPT = 4,
};

/*
 * process_exec (type id 1, schema version 1).
 * A process replaced its image (execve); the process fields describe the new image.
 * A rule for it receives `const struct rf_process_exec *ctx`: 88 bytes, read-only.
 */
#define RF_PROCESS_EXEC_VERSION 1
struct rf_process_exec {
	__u64 data; /* the data area's first byte */
	__u64 data_end; /* one past the data area's last byte */
	__u32 pid; /* The process id (thread group id). */
	__u32 ppid; /* The parent's process id. */
	__u32 uid; /* The real user id. */
	__u32 gid; /* The real group id. */
	struct rf_str exe; /* The absolute path of the executable. */
	struct rf_str_list args; /* The command line, argv[0] first (count elements, NUL-separated). */
	struct rf_str cwd; /* The working directory. */
	struct rf_str parent_exe; /* The absolute path of the parent's executable. */
	struct rf_str tty; /* The controlling terminal (pts/0), empty when there is none. */
	struct rf_str container_id; /* The container id, empty outside containers. */
	__u8 stdin_type; /* What standard input is: 0 unknown, 1 regular file, 2 pipe, 3 terminal, 4 socket, 5 /dev/null. */
	__u8 stdout_type; /* What standard output is: 0 unknown, 1 regular file, 2 pipe, 3 terminal, 4 socket, 5 /dev/null. */
	__u8 __pad0[2];
};
/* Field ids of process_exec, for the rf_* helpers. */
enum {
	RF_PROCESS_EXEC_PID = 0,
	RF_PROCESS_EXEC_PPID = 1,
	RF_PROCESS_EXEC_UID = 2,
	RF_PROCESS_EXEC_GID = 3,
	RF_PROCESS_EXEC_EXE = 4,
	RF_PROCESS_EXEC_ARGS = 5,
	RF_PROCESS_EXEC_CWD = 6,
	RF_PROCESS_EXEC_PARENT_EXE = 7,
	RF_PROCESS_EXEC_TTY = 8,
	RF_PROCESS_EXEC_CONTAINER_ID = 9,
	RF_PROCESS_EXEC_STDIN_TYPE = 10,
	RF_PROCESS_EXEC_STDOUT_TYPE = 11,
};
_Static_assert(sizeof(struct rf_process_exec) == 88, "struct rf_process_exec: size differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, pid) == 16 && sizeof(((struct rf_process_exec *)0)->pid) == 4, "struct rf_process_exec: pid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, ppid) == 20 && sizeof(((struct rf_process_exec *)0)->ppid) == 4, "struct rf_process_exec: ppid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, uid) == 24 && sizeof(((struct rf_process_exec *)0)->uid) == 4, "struct rf_process_exec: uid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, gid) == 28 && sizeof(((struct rf_process_exec *)0)->gid) == 4, "struct rf_process_exec: gid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, exe) == 32 && sizeof(((struct rf_process_exec *)0)->exe) == 8, "struct rf_process_exec: exe differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, args) == 40 && sizeof(((struct rf_process_exec *)0)->args) == 12, "struct rf_process_exec: args differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, cwd) == 52 && sizeof(((struct rf_process_exec *)0)->cwd) == 8, "struct rf_process_exec: cwd differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, parent_exe) == 60 && sizeof(((struct rf_process_exec *)0)->parent_exe) == 8, "struct rf_process_exec: parent_exe differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, tty) == 68 && sizeof(((struct rf_process_exec *)0)->tty) == 8, "struct rf_process_exec: tty differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, container_id) == 76 && sizeof(((struct rf_process_exec *)0)->container_id) == 8, "struct rf_process_exec: container_id differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, stdin_type) == 84 && sizeof(((struct rf_process_exec *)0)->stdin_type) == 1, "struct rf_process_exec: stdin_type differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_process_exec, stdout_type) == 85 && sizeof(((struct rf_process_exec *)0)->stdout_type) == 1, "struct rf_process_exec: stdout_type differs from the host's");

/*
 * file_open (type id 2, schema version 1).
 * A process opened a file.
 * A rule for it receives `const struct rf_file_open *ctx`: 96 bytes, read-only.
 */
#define RF_FILE_OPEN_VERSION 1
struct rf_file_open {
	__u64 data; /* the data area's first byte */
	__u64 data_end; /* one past the data area's last byte */
	__u32 pid; /* The process id (thread group id). */
	__u32 ppid; /* The parent's process id. */
	__u32 uid; /* The real user id. */
	__u32 gid; /* The real group id. */
	struct rf_str exe; /* The absolute path of the executable. */
	struct rf_str_list args; /* The command line, argv[0] first (count elements, NUL-separated). */
	struct rf_str cwd; /* The working directory. */
	struct rf_str parent_exe; /* The absolute path of the parent's executable. */
	struct rf_str tty; /* The controlling terminal (pts/0), empty when there is none. */
	struct rf_str container_id; /* The container id, empty outside containers. */
	struct rf_str path; /* The path as opened, absolute when known. */
	__u32 flags; /* The open(2) flags (O_WRONLY = 0x1, O_RDWR = 0x2, O_CREAT = 0x40, O_TRUNC = 0x200). */
};
/* Field ids of file_open, for the rf_* helpers. */
enum {
	RF_FILE_OPEN_PID = 0,
	RF_FILE_OPEN_PPID = 1,
	RF_FILE_OPEN_UID = 2,
	RF_FILE_OPEN_GID = 3,
	RF_FILE_OPEN_EXE = 4,
	RF_FILE_OPEN_ARGS = 5,
	RF_FILE_OPEN_CWD = 6,
	RF_FILE_OPEN_PARENT_EXE = 7,
	RF_FILE_OPEN_TTY = 8,
	RF_FILE_OPEN_CONTAINER_ID = 9,
	RF_FILE_OPEN_PATH = 10,
	RF_FILE_OPEN_FLAGS = 11,
};
_Static_assert(sizeof(struct rf_file_open) == 96, "struct rf_file_open: size differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, pid) == 16 && sizeof(((struct rf_file_open *)0)->pid) == 4, "struct rf_file_open: pid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, ppid) == 20 && sizeof(((struct rf_file_open *)0)->ppid) == 4, "struct rf_file_open: ppid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, uid) == 24 && sizeof(((struct rf_file_open *)0)->uid) == 4, "struct rf_file_open: uid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, gid) == 28 && sizeof(((struct rf_file_open *)0)->gid) == 4, "struct rf_file_open: gid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, exe) == 32 && sizeof(((struct rf_file_open *)0)->exe) == 8, "struct rf_file_open: exe differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, args) == 40 && sizeof(((struct rf_file_open *)0)->args) == 12, "struct rf_file_open: args differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, cwd) == 52 && sizeof(((struct rf_file_open *)0)->cwd) == 8, "struct rf_file_open: cwd differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, parent_exe) == 60 && sizeof(((struct rf_file_open *)0)->parent_exe) == 8, "struct rf_file_open: parent_exe differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, tty) == 68 && sizeof(((struct rf_file_open *)0)->tty) == 8, "struct rf_file_open: tty differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, container_id) == 76 && sizeof(((struct rf_file_open *)0)->container_id) == 8, "struct rf_file_open: container_id differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, path) == 84 && sizeof(((struct rf_file_open *)0)->path) == 8, "struct rf_file_open: path differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_file_open, flags) == 92 && sizeof(((struct rf_file_open *)0)->flags) == 4, "struct rf_file_open: flags differs from the host's");

/*
 * network_connect (type id 3, schema version 1).
 * A process connected a socket (connect(2)).
 * A rule for it receives `const struct rf_network_connect *ctx`: 128 bytes, read-only.
 */
#define RF_NETWORK_CONNECT_VERSION 1
struct rf_network_connect {
	__u64 data; /* the data area's first byte */
	__u64 data_end; /* one past the data area's last byte */
	__u32 pid; /* The process id (thread group id). */
	__u32 ppid; /* The parent's process id. */
	__u32 uid; /* The real user id. */
	__u32 gid; /* The real group id. */
	struct rf_str exe; /* The absolute path of the executable. */
	struct rf_str_list args; /* The command line, argv[0] first (count elements, NUL-separated). */
	struct rf_str cwd; /* The working directory. */
	struct rf_str parent_exe; /* The absolute path of the parent's executable. */
	struct rf_str tty; /* The controlling terminal (pts/0), empty when there is none. */
	struct rf_str container_id; /* The container id, empty outside containers. */
	__u32 saddr[4]; /* The local address; an IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d). */
	__u32 daddr[4]; /* The remote address; an IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d). */
	__u16 sport; /* The local port, host byte order. */
	__u16 dport; /* The remote port, host byte order. */
	__u8 protocol; /* The IP protocol number (6 = TCP, 17 = UDP). */
	__u8 __pad0[7];
};
/* Field ids of network_connect, for the rf_* helpers. */
enum {
	RF_NETWORK_CONNECT_PID = 0,
	RF_NETWORK_CONNECT_PPID = 1,
	RF_NETWORK_CONNECT_UID = 2,
	RF_NETWORK_CONNECT_GID = 3,
	RF_NETWORK_CONNECT_EXE = 4,
	RF_NETWORK_CONNECT_ARGS = 5,
	RF_NETWORK_CONNECT_CWD = 6,
	RF_NETWORK_CONNECT_PARENT_EXE = 7,
	RF_NETWORK_CONNECT_TTY = 8,
	RF_NETWORK_CONNECT_CONTAINER_ID = 9,
	RF_NETWORK_CONNECT_SADDR = 10,
	RF_NETWORK_CONNECT_DADDR = 11,
	RF_NETWORK_CONNECT_SPORT = 12,
	RF_NETWORK_CONNECT_DPORT = 13,
	RF_NETWORK_CONNECT_PROTOCOL = 14,
};
_Static_assert(sizeof(struct rf_network_connect) == 128, "struct rf_network_connect: size differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, pid) == 16 && sizeof(((struct rf_network_connect *)0)->pid) == 4, "struct rf_network_connect: pid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, ppid) == 20 && sizeof(((struct rf_network_connect *)0)->ppid) == 4, "struct rf_network_connect: ppid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, uid) == 24 && sizeof(((struct rf_network_connect *)0)->uid) == 4, "struct rf_network_connect: uid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, gid) == 28 && sizeof(((struct rf_network_connect *)0)->gid) == 4, "struct rf_network_connect: gid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, exe) == 32 && sizeof(((struct rf_network_connect *)0)->exe) == 8, "struct rf_network_connect: exe differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, args) == 40 && sizeof(((struct rf_network_connect *)0)->args) == 12, "struct rf_network_connect: args differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, cwd) == 52 && sizeof(((struct rf_network_connect *)0)->cwd) == 8, "struct rf_network_connect: cwd differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, parent_exe) == 60 && sizeof(((struct rf_network_connect *)0)->parent_exe) == 8, "struct rf_network_connect: parent_exe differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, tty) == 68 && sizeof(((struct rf_network_connect *)0)->tty) == 8, "struct rf_network_connect: tty differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, container_id) == 76 && sizeof(((struct rf_network_connect *)0)->container_id) == 8, "struct rf_network_connect: container_id differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, saddr) == 84 && sizeof(((struct rf_network_connect *)0)->saddr) == 16, "struct rf_network_connect: saddr differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, daddr) == 100 && sizeof(((struct rf_network_connect *)0)->daddr) == 16, "struct rf_network_connect: daddr differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, sport) == 116 && sizeof(((struct rf_network_connect *)0)->sport) == 2, "struct rf_network_connect: sport differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, dport) == 118 && sizeof(((struct rf_network_connect *)0)->dport) == 2, "struct rf_network_connect: dport differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_network_connect, protocol) == 120 && sizeof(((struct rf_network_connect *)0)->protocol) == 1, "struct rf_network_connect: protocol differs from the host's");

/*
 * auth_attempt (type id 4, schema version 1).
 * A login attempt (sshd, login, su, sudo), successful or not.
 * A rule for it receives `const struct rf_auth_attempt *ctx`: 120 bytes, read-only.
 */
#define RF_AUTH_ATTEMPT_VERSION 1
struct rf_auth_attempt {
	__u64 data; /* the data area's first byte */
	__u64 data_end; /* one past the data area's last byte */
	__u32 pid; /* The process id (thread group id). */
	__u32 ppid; /* The parent's process id. */
	__u32 uid; /* The real user id. */
	__u32 gid; /* The real group id. */
	struct rf_str exe; /* The absolute path of the executable. */
	struct rf_str_list args; /* The command line, argv[0] first (count elements, NUL-separated). */
	struct rf_str cwd; /* The working directory. */
	struct rf_str parent_exe; /* The absolute path of the parent's executable. */
	struct rf_str tty; /* The controlling terminal (pts/0), empty when there is none. */
	struct rf_str container_id; /* The container id, empty outside containers. */
	struct rf_str user; /* The account the attempt was for. */
	struct rf_str service; /* The service that checked it (sshd, sudo, ...). */
	__u32 saddr[4]; /* The remote address the attempt came from (IPv4-mapped), zero when local. */
	__u8 success; /* Whether the attempt succeeded. */
	__u8 __pad0[3];
};
/* Field ids of auth_attempt, for the rf_* helpers. */
enum {
	RF_AUTH_ATTEMPT_PID = 0,
	RF_AUTH_ATTEMPT_PPID = 1,
	RF_AUTH_ATTEMPT_UID = 2,
	RF_AUTH_ATTEMPT_GID = 3,
	RF_AUTH_ATTEMPT_EXE = 4,
	RF_AUTH_ATTEMPT_ARGS = 5,
	RF_AUTH_ATTEMPT_CWD = 6,
	RF_AUTH_ATTEMPT_PARENT_EXE = 7,
	RF_AUTH_ATTEMPT_TTY = 8,
	RF_AUTH_ATTEMPT_CONTAINER_ID = 9,
	RF_AUTH_ATTEMPT_USER = 10,
	RF_AUTH_ATTEMPT_SERVICE = 11,
	RF_AUTH_ATTEMPT_SADDR = 12,
	RF_AUTH_ATTEMPT_SUCCESS = 13,
};
_Static_assert(sizeof(struct rf_auth_attempt) == 120, "struct rf_auth_attempt: size differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, pid) == 16 && sizeof(((struct rf_auth_attempt *)0)->pid) == 4, "struct rf_auth_attempt: pid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, ppid) == 20 && sizeof(((struct rf_auth_attempt *)0)->ppid) == 4, "struct rf_auth_attempt: ppid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, uid) == 24 && sizeof(((struct rf_auth_attempt *)0)->uid) == 4, "struct rf_auth_attempt: uid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, gid) == 28 && sizeof(((struct rf_auth_attempt *)0)->gid) == 4, "struct rf_auth_attempt: gid differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, exe) == 32 && sizeof(((struct rf_auth_attempt *)0)->exe) == 8, "struct rf_auth_attempt: exe differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, args) == 40 && sizeof(((struct rf_auth_attempt *)0)->args) == 12, "struct rf_auth_attempt: args differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, cwd) == 52 && sizeof(((struct rf_auth_attempt *)0)->cwd) == 8, "struct rf_auth_attempt: cwd differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, parent_exe) == 60 && sizeof(((struct rf_auth_attempt *)0)->parent_exe) == 8, "struct rf_auth_attempt: parent_exe differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, tty) == 68 && sizeof(((struct rf_auth_attempt *)0)->tty) == 8, "struct rf_auth_attempt: tty differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, container_id) == 76 && sizeof(((struct rf_auth_attempt *)0)->container_id) == 8, "struct rf_auth_attempt: container_id differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, user) == 84 && sizeof(((struct rf_auth_attempt *)0)->user) == 8, "struct rf_auth_attempt: user differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, service) == 92 && sizeof(((struct rf_auth_attempt *)0)->service) == 8, "struct rf_auth_attempt: service differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, saddr) == 100 && sizeof(((struct rf_auth_attempt *)0)->saddr) == 16, "struct rf_auth_attempt: saddr differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_auth_attempt, success) == 116 && sizeof(((struct rf_auth_attempt *)0)->success) == 1, "struct rf_auth_attempt: success differs from the host's");

/*
 * ringfence helpers (numbers from 1000; Linux's helpers keep their numbers, so
 * <bpf/bpf_helpers.h> works beside this header). The string tests return 1 or 0; on a
 * str_list field they test whether ANY element matches. They never return a negative
 * value: test them as booleans. rf_cidr_match returns -EINVAL (-22) for a malformed
 * network; rf_alert returns -E2BIG (-7) or -ENOSPC (-28) when it records nothing.
 */
/* 1 if the string field (any element of a str_list) equals the len bytes at s, else 0. */
static long (* const rf_str_eq)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1000;
/* 1 if the string field (any element of a str_list) starts with the len bytes at s, else 0. */
static long (* const rf_str_prefix)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1001;
/* 1 if the string field (any element of a str_list) ends with the len bytes at s, else 0. */
static long (* const rf_str_suffix)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1002;
/* 1 if the len bytes at s occur in the string field (any element of a str_list), else 0. */
static long (* const rf_str_contains)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1003;
/* 1 if the string field (any element of a str_list) matches the glob at s (`*` any run, `?` one byte, no escapes), else 0. */
static long (* const rf_str_glob)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1004;
/* rf_str_eq, ASCII case-insensitive. */
static long (* const rf_str_eq_ci)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1005;
/* rf_str_prefix, ASCII case-insensitive. */
static long (* const rf_str_prefix_ci)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1006;
/* rf_str_suffix, ASCII case-insensitive. */
static long (* const rf_str_suffix_ci)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1007;
/* rf_str_contains, ASCII case-insensitive. */
static long (* const rf_str_contains_ci)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1008;
/* rf_str_glob, ASCII case-insensitive. */
static long (* const rf_str_glob_ci)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1009;
/* 1 if the string field (any element of a str_list) equals one string of the NUL-separated set (set_len = sizeof, a final NUL ends the last string), else 0. */
static long (* const rf_in_set)(const void *ctx, __u32 field_id, const char *set, __u32 set_len) = (void *) 1010;
/* 1 if the address field is in the network net (net_len 4 or 16 bytes, network order) of prefix_len bits, else 0; -EINVAL for another net_len or too long a prefix. */
static long (* const rf_cidr_match)(const void *ctx, __u32 field_id, const void *net, __u32 net_len, __u32 prefix_len) = (void *) 1011;
/* Records an alert with rule_id and up to 64 bytes of payload; 0, or -E2BIG for a longer payload, -ENOSPC when this evaluation's alerts are full. */
static long (* const rf_alert)(const void *ctx, __u32 rule_id, const void *payload, __u32 len) = (void *) 1012;

#endif /* RINGFENCE_H */
