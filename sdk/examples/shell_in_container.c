// SPDX-License-Identifier: MIT OR Apache-2.0
// A minimal ringfence rule, written against the generated sdk/include/ringfence.h:
// alert when an interactive shell (one with a terminal) starts inside a container.
//
// Build: clang-19 -target bpf -O2 -g -I sdk/include -I /usr/include/$(uname -m)-linux-gnu \
//            -c sdk/examples/shell_in_container.c -o shell_in_container.o
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ringfence.h"

#define RULE_SHELL_IN_CONTAINER 1

// A set for rf_in_set: NUL-separated, sizeof counts the final NUL.
static const char shells[] = "/bin/sh\0/bin/bash\0/usr/bin/bash\0/bin/dash\0/bin/zsh";

SEC("process_exec")
int shell_in_container(const struct rf_process_exec *ctx)
{
	// Scalars and descriptors are read directly from the context.
	if (ctx->container_id.len == 0 || ctx->tty.len == 0)
		return 0;
	// Strings are tested with the rf_* helpers (1 = match).
	if (rf_in_set(ctx, RF_PROCESS_EXEC_EXE, RF_SET(shells)) != 1 &&
	    rf_str_glob(ctx, RF_PROCESS_EXEC_EXE, RF_LIT("*/busybox")) != 1)
		return 0;
	// A login shell or `sh -i`: any argument equal to "-i", or argv[0] starting with '-'.
	if (rf_str_eq(ctx, RF_PROCESS_EXEC_ARGS, RF_LIT("-i")) != 1 &&
	    rf_str_prefix(ctx, RF_PROCESS_EXEC_ARGS, RF_LIT("-")) != 1 &&
	    ctx->args.count > 1)
		return 0;
	rf_alert(ctx, RULE_SHELL_IN_CONTAINER, RF_LIT("interactive shell in a container"));
	return 1;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
