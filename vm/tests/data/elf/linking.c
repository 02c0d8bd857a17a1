// A fixture for the ELF loader: two programs in their own sections, subprograms in .text
// (one static, one global), a BTF-defined map, a legacy map, and global data in .rodata,
// .data and .bss. Rebuilt by scripts/rebuild-c-fixtures.sh.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1024);
} counts SEC(".maps");

struct bpf_map_def_legacy {
    unsigned int type, key_size, value_size, max_entries, map_flags;
};
struct bpf_map_def_legacy legacy SEC("maps") = { BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0 };

static const char greeting[] = "hello %d";
volatile int counter = 3;
int zeroed;

static __attribute__((noinline)) int triple_plus_counter(int x) { return x * 3 + counter; }
__attribute__((noinline)) int plus_one(int x) { return x + 1; }

SEC("exec") int first(void *ctx) {
    __u32 key = 1;
    __u64 *value = bpf_map_lookup_elem(&counts, &key);
    if (value)
        __sync_fetch_and_add(value, 1);
    bpf_trace_printk(greeting, sizeof(greeting), 5);
    zeroed++;
    return triple_plus_counter(2) + plus_one(3);
}

SEC("file") int second(void *ctx) {
    __u32 key = 0;
    __u64 *value = bpf_map_lookup_elem(&legacy, &key);
    return value ? plus_one((int)*value) : 0;
}

char LICENSE[] SEC("license") = "GPL";
