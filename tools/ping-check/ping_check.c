// SPDX-License-Identifier: GPL-2.0
/*
 * ping_check: cheap core traffic for rpbridge's hostile-device test (t-60),
 * with the errno of every failed request kept (a shell loses it: dash's
 * echo says "I/O error" whatever the errno was).
 *
 *   ping_check PINGFILE WRITES N
 *       writes N to PINGFILE (/sys/kernel/debug/rpbridge-<n>/ping: N PING
 *       requests, stopping at the first that fails) WRITES times, opening
 *       the file for each write. Prints "writes W ok K failed F" and one
 *       "errno NAME COUNT" line per errno seen.
 *
 * Exit status: 0 when every failure had an errno a damaged, missing or
 * refused reply may give (the device's status codes as the core maps them,
 * ETIMEDOUT, EPROTO, EIO); 3 when another errno was seen (it is printed
 * to stderr); 2 on a usage error or when PINGFILE cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct seen {
	int err;
	const char *name;
	unsigned long count;
};

static struct seen table[] = {
	{ ETIMEDOUT, "ETIMEDOUT", 0 },
	{ EPROTO, "EPROTO", 0 },
	{ EIO, "EIO", 0 },
	{ EOPNOTSUPP, "EOPNOTSUPP", 0 },
	{ EINVAL, "EINVAL", 0 },
	{ EMSGSIZE, "EMSGSIZE", 0 },
	{ ENODEV, "ENODEV", 0 },
	{ EBUSY, "EBUSY", 0 },
	{ ENXIO, "ENXIO", 0 },
	{ EAGAIN, "EAGAIN", 0 },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEEN ARRAY_SIZE(table)

int main(int argc, char **argv)
{
	unsigned long writes, i, ok = 0, failed = 0, other = 0;
	const char *path;
	size_t len, k;
	char buf[16];
	int fd, n;

	if (argc != 4) {
		fprintf(stderr, "usage: ping_check PINGFILE WRITES N\n");
		return 2;
	}
	path = argv[1];
	writes = strtoul(argv[2], NULL, 10);
	n = snprintf(buf, sizeof(buf), "%s\n", argv[3]);
	if (n <= 0 || (size_t)n >= sizeof(buf)) {
		fprintf(stderr, "ping_check: bad N\n");
		return 2;
	}
	len = n;
	for (i = 0; i < writes; i++) {
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			fprintf(stderr, "ping_check: %s: %s\n", path, strerror(errno));
			return 2;
		}
		if (write(fd, buf, len) == (ssize_t)len) {
			ok++;
		} else {
			int e = errno;

			failed++;
			for (k = 0; k < NSEEN && table[k].err != e; k++)
				;
			if (k < NSEEN) {
				table[k].count++;
			} else {
				other++;
				fprintf(stderr, "ping_check: unexpected errno %d (%s)\n", e,
					strerror(e));
			}
		}
		close(fd);
	}
	printf("writes %lu ok %lu failed %lu\n", writes, ok, failed);
	for (k = 0; k < NSEEN; k++)
		if (table[k].count)
			printf("errno %s %lu\n", table[k].name, table[k].count);
	if (other) {
		printf("errno unexpected %lu\n", other);
		return 3;
	}
	return 0;
}
