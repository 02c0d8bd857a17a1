// Loop shapes clang-19 -O2 emits for ordinary C, which the verifier must accept (each was
// refused once). tests/rules.rs checks that every rule here loads and verifies, and runs it;
// scripts/rebuild-c-fixtures.sh rebuilds loops.o.
#include "ringfence.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64[16]);
} recent SEC(".maps");

// A rotated scan with early exits: clang computes `i + 1` before testing `i`, and walks a
// pointer beside the counter; the pointer's bound follows from the counter's.
SEC("process_exec")
int scan_recent(const struct rf_process_exec *ev)
{
    __u32 k = 0;
    __u64 *slots = bpf_map_lookup_elem(&recent, &k);
    if (!slots)
        return 0;
    __u32 n = ev->pid & 31;
    for (__u32 i = 0; i < n && i < 16; i++) {
        if (slots[i] == ev->ppid)
            return 1;
        if (slots[i] == 0)
            break;
    }
    return 0;
}

// One window check, then reads by index: each `exe + i` keeps the window's proof, less `i`.
SEC("process_exec")
int slashes_in_window(const struct rf_process_exec *ev)
{
    const char *data = (const char *)(long)ev->data;
    const char *data_end = (const char *)(long)ev->data_end;
    const char *exe = data + ev->exe.off;
    __u32 len = ev->exe.len;
    if (len > 64)
        len = 64;
    if (exe + 64 > data_end)
        return 0;
    int slashes = 0;
    for (__u32 i = 0; i < len; i++) {
        if (exe[i] == 0)
            break;
        if (exe[i] == '/')
            slashes++;
    }
    return slashes > 5;
}

// An `int` counter without 32-bit registers: the exit tests its low half, zero-extended by
// two shifts (`r <<= 32; r >>= 32`).
SEC("process_exec")
int spaced_args(const struct rf_process_exec *ev)
{
    const char *data = (const char *)(long)ev->data;
    const char *data_end = (const char *)(long)ev->data_end;
    const char *p = data + ev->args.off;
    int spaces = 0;
    for (int i = 0; i < 64; i++) {
        if (p + 1 > data_end)
            break;
        if (*p == 0)
            break;
        if (*p == ' ')
            spaces++;
        p++;
    }
    return spaces > 3;
}

// Does an argument start with "-e"? clang computes `p + i` once for the check and again
// for the reads: the same sum is the same pointer.
SEC("process_exec")
int dash_e_arg(const struct rf_process_exec *ev)
{
    const char *data = (const char *)(long)ev->data;
    const char *data_end = (const char *)(long)ev->data_end;
    const char *p = data + ev->args.off;
    __u32 len = ev->args.len;
    int at_start = 1;
    for (__u32 i = 0; i < 256 && i < len; i++) {
        if (p + i + 2 > data_end)
            return 0;
        if (at_start && p[i] == '-' && p[i + 1] == 'e')
            return 1;
        at_start = p[i] == 0;
    }
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
