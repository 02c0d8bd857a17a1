# error: undefined_label.s:2:21: no label named `out` (defined labels: done, exit)
    if r1 == 0 goto out
done:
    exit
