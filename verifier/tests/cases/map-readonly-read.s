# verdict: accept
# worst-case: 3
# Global data: a pointer into map 1 (read-only, 8 bytes).
    r1 = map_value(1, 0) ll
    r0 = *(u64 *)(r1 + 0)
    exit
