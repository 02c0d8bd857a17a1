# type: event
# verdict: reject Permission at 3
# fact: the helper may write bytes [0, 32) of the context; byte 0 is field pid
# A helper that writes its buffer (`fill`) is handed the context: it would overwrite the
# `data` and `data_end` fields, and the pointer loaded from `data` afterwards would point
# anywhere. Only the context's writable fields may be a helper's output.
    r6 = r1
    r1 = r6
    r2 = 32
    call 100
    r2 = *(u64 *)(r6 + 16)
    r3 = *(u64 *)(r6 + 24)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 0)
out:
    r0 = 0
    exit
