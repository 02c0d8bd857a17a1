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
	RF_EVENT_IPC_TEMPLATE = 1,
};

/*
 * ipc_template (type id 1, schema version 2).
 * A named-pipe IPC template event, after Channel File 291: the sensor supplies its input values as string fields.
 * A rule for it receives `const struct rf_ipc_template *ctx`: 184 bytes, read-only.
 */
#define RF_IPC_TEMPLATE_VERSION 2
struct rf_ipc_template {
	__u64 data; /* the data area's first byte */
	__u64 data_end; /* one past the data area's last byte */
	struct rf_str value_1; /* Input value 1. */
	struct rf_str value_2; /* Input value 2. */
	struct rf_str value_3; /* Input value 3. */
	struct rf_str value_4; /* Input value 4. */
	struct rf_str value_5; /* Input value 5. */
	struct rf_str value_6; /* Input value 6. */
	struct rf_str value_7; /* Input value 7. */
	struct rf_str value_8; /* Input value 8. */
	struct rf_str value_9; /* Input value 9. */
	struct rf_str value_10; /* Input value 10. */
	struct rf_str value_11; /* Input value 11. */
	struct rf_str value_12; /* Input value 12. */
	struct rf_str value_13; /* Input value 13. */
	struct rf_str value_14; /* Input value 14. */
	struct rf_str value_15; /* Input value 15. */
	struct rf_str value_16; /* Input value 16. */
	struct rf_str value_17; /* Input value 17. */
	struct rf_str value_18; /* Input value 18. */
	struct rf_str value_19; /* Input value 19. */
	struct rf_str value_20; /* Input value 20. */
	struct rf_str value_21; /* Input value 21. */
};
/* Field ids of ipc_template, for the rf_* helpers. */
enum {
	RF_IPC_TEMPLATE_VALUE_1 = 0,
	RF_IPC_TEMPLATE_VALUE_2 = 1,
	RF_IPC_TEMPLATE_VALUE_3 = 2,
	RF_IPC_TEMPLATE_VALUE_4 = 3,
	RF_IPC_TEMPLATE_VALUE_5 = 4,
	RF_IPC_TEMPLATE_VALUE_6 = 5,
	RF_IPC_TEMPLATE_VALUE_7 = 6,
	RF_IPC_TEMPLATE_VALUE_8 = 7,
	RF_IPC_TEMPLATE_VALUE_9 = 8,
	RF_IPC_TEMPLATE_VALUE_10 = 9,
	RF_IPC_TEMPLATE_VALUE_11 = 10,
	RF_IPC_TEMPLATE_VALUE_12 = 11,
	RF_IPC_TEMPLATE_VALUE_13 = 12,
	RF_IPC_TEMPLATE_VALUE_14 = 13,
	RF_IPC_TEMPLATE_VALUE_15 = 14,
	RF_IPC_TEMPLATE_VALUE_16 = 15,
	RF_IPC_TEMPLATE_VALUE_17 = 16,
	RF_IPC_TEMPLATE_VALUE_18 = 17,
	RF_IPC_TEMPLATE_VALUE_19 = 18,
	RF_IPC_TEMPLATE_VALUE_20 = 19,
	RF_IPC_TEMPLATE_VALUE_21 = 20,
};
_Static_assert(sizeof(struct rf_ipc_template) == 184, "struct rf_ipc_template: size differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_1) == 16 && sizeof(((struct rf_ipc_template *)0)->value_1) == 8, "struct rf_ipc_template: value_1 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_2) == 24 && sizeof(((struct rf_ipc_template *)0)->value_2) == 8, "struct rf_ipc_template: value_2 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_3) == 32 && sizeof(((struct rf_ipc_template *)0)->value_3) == 8, "struct rf_ipc_template: value_3 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_4) == 40 && sizeof(((struct rf_ipc_template *)0)->value_4) == 8, "struct rf_ipc_template: value_4 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_5) == 48 && sizeof(((struct rf_ipc_template *)0)->value_5) == 8, "struct rf_ipc_template: value_5 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_6) == 56 && sizeof(((struct rf_ipc_template *)0)->value_6) == 8, "struct rf_ipc_template: value_6 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_7) == 64 && sizeof(((struct rf_ipc_template *)0)->value_7) == 8, "struct rf_ipc_template: value_7 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_8) == 72 && sizeof(((struct rf_ipc_template *)0)->value_8) == 8, "struct rf_ipc_template: value_8 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_9) == 80 && sizeof(((struct rf_ipc_template *)0)->value_9) == 8, "struct rf_ipc_template: value_9 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_10) == 88 && sizeof(((struct rf_ipc_template *)0)->value_10) == 8, "struct rf_ipc_template: value_10 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_11) == 96 && sizeof(((struct rf_ipc_template *)0)->value_11) == 8, "struct rf_ipc_template: value_11 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_12) == 104 && sizeof(((struct rf_ipc_template *)0)->value_12) == 8, "struct rf_ipc_template: value_12 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_13) == 112 && sizeof(((struct rf_ipc_template *)0)->value_13) == 8, "struct rf_ipc_template: value_13 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_14) == 120 && sizeof(((struct rf_ipc_template *)0)->value_14) == 8, "struct rf_ipc_template: value_14 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_15) == 128 && sizeof(((struct rf_ipc_template *)0)->value_15) == 8, "struct rf_ipc_template: value_15 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_16) == 136 && sizeof(((struct rf_ipc_template *)0)->value_16) == 8, "struct rf_ipc_template: value_16 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_17) == 144 && sizeof(((struct rf_ipc_template *)0)->value_17) == 8, "struct rf_ipc_template: value_17 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_18) == 152 && sizeof(((struct rf_ipc_template *)0)->value_18) == 8, "struct rf_ipc_template: value_18 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_19) == 160 && sizeof(((struct rf_ipc_template *)0)->value_19) == 8, "struct rf_ipc_template: value_19 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_20) == 168 && sizeof(((struct rf_ipc_template *)0)->value_20) == 8, "struct rf_ipc_template: value_20 differs from the host's");
_Static_assert(__builtin_offsetof(struct rf_ipc_template, value_21) == 176 && sizeof(((struct rf_ipc_template *)0)->value_21) == 8, "struct rf_ipc_template: value_21 differs from the host's");

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
