// SPDX-License-Identifier: GPL-2.0
/*
 * gpio_uapi_check: bad requests through the GPIO character device uAPI
 * (v2, and v1 where the kernel has it), for rpbridge's guest test t-17.
 *
 *   gpio_uapi_check CHIPDEV NLINES FREE_IN FREE_OUT RESERVED MAX_DEBOUNCE_US
 *
 * CHIPDEV is /dev/gpiochipN with NLINES lines; FREE_OUT drives FREE_IN (a
 * wired pair of the emulated board); RESERVED is a line the bridge gave to
 * another function (outside the chip's valid mask); MAX_DEBOUNCE_US is the
 * longest debounce period the bridge supports. Every case is one ioctl that
 * must fail with one specific errno (or, for the few "accepted" cases,
 * succeed); it prints one line per case and "cases: N tried, M failed".
 * Exit status: 0 if every case behaved, 1 otherwise, 2 if the chip cannot
 * be opened. Afterwards it checks that the lines still work (FREE_OUT=1 is
 * read as 1 on FREE_IN, then 0 as 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define EDGE_BOTH (GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING)

static int chip;
static unsigned int nlines, in_line, out_line, reserved;
static unsigned int max_debounce;
static int tried, failed;

/* Records a case: RC is the ioctl's return (errno in errno when < 0). */
static void check(const char *what, int rc, int want)
{
	int got = rc < 0 ? errno : 0;

	tried++;
	if (got == want) {
		printf("ok: %s -> %s\n", what, want ? strerror(want) : "accepted");
		return;
	}
	failed++;
	printf("FAIL: %s: expected %s, got %s\n", what,
	       want ? strerror(want) : "success", got ? strerror(got) : "success");
}

/* A v2 line request for one line with FLAGS; the caller adjusts it. */
static void req1(struct gpio_v2_line_request *r, unsigned int line, uint64_t flags)
{
	memset(r, 0, sizeof(*r));
	r->offsets[0] = line;
	r->num_lines = 1;
	r->config.flags = flags;
	strcpy(r->consumer, "t-17");
}

/* Issues a v2 line request; closes the line fd on success. */
static int get_line(struct gpio_v2_line_request *r)
{
	int rc = ioctl(chip, GPIO_V2_GET_LINE_IOCTL, r);

	if (rc == 0)
		close(r->fd);
	return rc;
}

/* Requests a line and keeps it: returns the line fd or exits. */
static int hold(unsigned int line, uint64_t flags)
{
	struct gpio_v2_line_request r;

	req1(&r, line, flags);
	if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &r) < 0) {
		printf("FAIL: requesting line %u (flags %#llx): %s\n", line,
		       (unsigned long long)flags, strerror(errno));
		exit(1);
	}
	return r.fd;
}

static void flags_case(const char *what, uint64_t flags, int want)
{
	struct gpio_v2_line_request r;

	req1(&r, in_line, flags);
	check(what, get_line(&r), want);
}

static void request_cases(void)
{
	struct gpio_v2_line_request r;
	char what[96];
	int fd;

	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.num_lines = 0;
	check("GET_LINE num_lines 0", get_line(&r), EINVAL);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.num_lines = GPIO_V2_LINES_MAX + 1;
	check("GET_LINE num_lines 65", get_line(&r), EINVAL);
	req1(&r, nlines, GPIO_V2_LINE_FLAG_INPUT);
	check("GET_LINE offset == number of lines", get_line(&r), EINVAL);
	req1(&r, 0xffffffffu, GPIO_V2_LINE_FLAG_INPUT);
	check("GET_LINE offset 0xffffffff", get_line(&r), EINVAL);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.offsets[1] = nlines + 7;
	r.num_lines = 2;
	check("GET_LINE second offset out of range", get_line(&r), EINVAL);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.offsets[1] = in_line;
	r.num_lines = 2;
	check("GET_LINE the same offset twice", get_line(&r), EBUSY);
	snprintf(what, sizeof(what), "GET_LINE line %u (given to another function)", reserved);
	req1(&r, reserved, GPIO_V2_LINE_FLAG_INPUT);
	check(what, get_line(&r), EINVAL);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.padding[2] = 1;
	check("GET_LINE request padding not zero", get_line(&r), EINVAL);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.config.padding[4] = 1;
	check("GET_LINE config padding not zero", get_line(&r), EINVAL);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.config.num_attrs = GPIO_V2_LINE_NUM_ATTRS_MAX + 1;
	check("GET_LINE num_attrs 11", get_line(&r), EINVAL);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.config.num_attrs = 1;
	r.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_FLAGS;
	r.config.attrs[0].attr.padding = 1;
	r.config.attrs[0].mask = 1;
	check("GET_LINE attribute padding not zero", get_line(&r), EINVAL);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	r.config.num_attrs = 1;
	r.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_FLAGS;
	r.config.attrs[0].attr.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT;
	r.config.attrs[0].mask = 1;
	check("GET_LINE attribute flags input and output", get_line(&r), EINVAL);

	flags_case("GET_LINE flags input and output",
		   GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT, EINVAL);
	flags_case("GET_LINE rising edge without input", GPIO_V2_LINE_FLAG_EDGE_RISING, EINVAL);
	flags_case("GET_LINE output with falling edge",
		   GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_EDGE_FALLING, EINVAL);
	flags_case("GET_LINE input with open drain",
		   GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OPEN_DRAIN, EINVAL);
	flags_case("GET_LINE output open drain and open source",
		   GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_OPEN_DRAIN |
		   GPIO_V2_LINE_FLAG_OPEN_SOURCE, EINVAL);
	flags_case("GET_LINE pull-up and pull-down",
		   GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_BIAS_PULL_UP |
		   GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN, EINVAL);
	flags_case("GET_LINE pull-up and bias disabled",
		   GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_BIAS_PULL_UP |
		   GPIO_V2_LINE_FLAG_BIAS_DISABLED, EINVAL);
	flags_case("GET_LINE bias without a direction", GPIO_V2_LINE_FLAG_BIAS_PULL_UP, EINVAL);
	flags_case("GET_LINE active-low with an unknown flag bit",
		   GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW | (1ULL << 40), EINVAL);
	/* The test kernel has no HTE: that clock is refused before the pair. */
	flags_case("GET_LINE both event clocks (no HTE)",
		   GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
		   GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME | GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE,
		   EOPNOTSUPP);

	/* Debounce: the bridge's limit is the driver's to enforce. */
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT | EDGE_BOTH);
	r.config.num_attrs = 1;
	r.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
	r.config.attrs[0].attr.debounce_period_us = max_debounce + 1;
	r.config.attrs[0].mask = 1;
	snprintf(what, sizeof(what), "GET_LINE debounce %u us (bridge max + 1)", max_debounce + 1);
	check(what, get_line(&r), EINVAL);
	r.config.attrs[0].attr.debounce_period_us = 0xffffffffu;
	check("GET_LINE debounce 0xffffffff us", get_line(&r), EINVAL);
	r.config.attrs[0].attr.debounce_period_us = max_debounce;
	snprintf(what, sizeof(what), "GET_LINE debounce %u us (bridge max)", max_debounce);
	check(what, get_line(&r), 0);

	/* Accepted and clamped: a consumer name without NUL, a huge buffer. */
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING);
	memset(r.consumer, 'x', sizeof(r.consumer));
	r.event_buffer_size = 0xffffffffu;
	check("GET_LINE consumer without NUL, event buffer 4G events", get_line(&r), 0);

	/* A line held by one request is refused to another. */
	fd = hold(in_line, GPIO_V2_LINE_FLAG_INPUT);
	req1(&r, in_line, GPIO_V2_LINE_FLAG_INPUT);
	check("GET_LINE a line already requested", get_line(&r), EBUSY);
	close(fd);
}

static void request_fd_cases(void)
{
	struct gpio_v2_line_config c;
	struct gpio_v2_line_values v;
	char buf[8];
	int out, in, rc;

	out = hold(out_line, GPIO_V2_LINE_FLAG_OUTPUT);
	in = hold(in_line, GPIO_V2_LINE_FLAG_INPUT);

	memset(&v, 0, sizeof(v));
	check("SET_VALUES mask 0", ioctl(out, GPIO_V2_LINE_SET_VALUES_IOCTL, &v), EINVAL);
	v.mask = 1ULL << 5;
	v.bits = v.mask;
	check("SET_VALUES mask beyond the request's lines",
	      ioctl(out, GPIO_V2_LINE_SET_VALUES_IOCTL, &v), EINVAL);
	v.mask = 1;
	check("SET_VALUES on an input", ioctl(in, GPIO_V2_LINE_SET_VALUES_IOCTL, &v), EPERM);
	memset(&v, 0, sizeof(v));
	check("GET_VALUES mask 0", ioctl(in, GPIO_V2_LINE_GET_VALUES_IOCTL, &v), EINVAL);

	memset(&c, 0, sizeof(c));
	c.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT;
	check("SET_CONFIG input and output", ioctl(in, GPIO_V2_LINE_SET_CONFIG_IOCTL, &c), EINVAL);
	memset(&c, 0, sizeof(c));
	c.flags = GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_EDGE_RISING;
	check("SET_CONFIG output with rising edge",
	      ioctl(out, GPIO_V2_LINE_SET_CONFIG_IOCTL, &c), EINVAL);
	memset(&c, 0, sizeof(c));
	c.flags = GPIO_V2_LINE_FLAG_INPUT;
	c.padding[0] = 1;
	check("SET_CONFIG padding not zero", ioctl(in, GPIO_V2_LINE_SET_CONFIG_IOCTL, &c), EINVAL);
	memset(&c, 0, sizeof(c));
	c.flags = GPIO_V2_LINE_FLAG_INPUT | EDGE_BOTH;
	c.num_attrs = 1;
	c.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
	c.attrs[0].attr.debounce_period_us = max_debounce + 1;
	c.attrs[0].mask = 1;
	check("SET_CONFIG debounce beyond the bridge's limit",
	      ioctl(in, GPIO_V2_LINE_SET_CONFIG_IOCTL, &c), EINVAL);
	check("unknown ioctl on a line request", ioctl(in, _IOWR(0xB4, 0x7f, int), &rc), EINVAL);

	rc = read(in, buf, sizeof(buf));
	check("read of 8 bytes (less than one event)", rc, EINVAL);
	close(in);
	close(out);
}

static void chip_cases(void)
{
	struct gpio_v2_line_info info;
	struct gpiochip_info ci;
	uint32_t line;

	memset(&info, 0, sizeof(info));
	info.offset = nlines;
	check("GET_LINEINFO offset == number of lines",
	      ioctl(chip, GPIO_V2_GET_LINEINFO_IOCTL, &info), EINVAL);
	memset(&info, 0, sizeof(info));
	info.offset = in_line;
	info.padding[1] = 1;
	check("GET_LINEINFO padding not zero",
	      ioctl(chip, GPIO_V2_GET_LINEINFO_IOCTL, &info), EINVAL);
	memset(&info, 0, sizeof(info));
	info.offset = in_line;
	check("LINEINFO_WATCH", ioctl(chip, GPIO_V2_GET_LINEINFO_WATCH_IOCTL, &info), 0);
	check("LINEINFO_WATCH of a line already watched",
	      ioctl(chip, GPIO_V2_GET_LINEINFO_WATCH_IOCTL, &info), EBUSY);
	line = in_line;
	check("LINEINFO_UNWATCH", ioctl(chip, GPIO_GET_LINEINFO_UNWATCH_IOCTL, &line), 0);
	check("LINEINFO_UNWATCH of a line not watched",
	      ioctl(chip, GPIO_GET_LINEINFO_UNWATCH_IOCTL, &line), EBUSY);
	line = nlines;
	check("LINEINFO_UNWATCH offset out of range",
	      ioctl(chip, GPIO_GET_LINEINFO_UNWATCH_IOCTL, &line), EINVAL);
	check("unknown ioctl on the chip", ioctl(chip, _IOWR(0xB4, 0x7f, int), &line), EINVAL);
	/* The chip still answers. */
	if (ioctl(chip, GPIO_GET_CHIPINFO_IOCTL, &ci) < 0 || ci.lines != nlines) {
		failed++;
		printf("FAIL: GET_CHIPINFO after the bad requests\n");
	}
}

/* The v1 uAPI, when the kernel has it (GPIO_CDEV_V1). */
static void v1_cases(void)
{
	struct gpiohandle_request h;

	memset(&h, 0, sizeof(h));
	h.lineoffsets[0] = in_line;
	h.flags = GPIOHANDLE_REQUEST_INPUT;
	h.lines = 1;
	/* Without GPIO_CDEV_V1 every v1 call is an unknown ioctl (EINVAL). */
	if (ioctl(chip, GPIO_GET_LINEHANDLE_IOCTL, &h) < 0) {
		printf("v1 uAPI: a valid handle request fails (%s): %s\n",
		       strerror(errno), "not in this kernel, no v1 cases");
		return;
	}
	close(h.fd);
	h.lines = 0;
	check("v1 LINEHANDLE lines 0", ioctl(chip, GPIO_GET_LINEHANDLE_IOCTL, &h), EINVAL);
	h.lines = GPIOHANDLES_MAX + 1;
	check("v1 LINEHANDLE lines 65", ioctl(chip, GPIO_GET_LINEHANDLE_IOCTL, &h), EINVAL);
	h.lines = 1;
	h.lineoffsets[0] = nlines;
	check("v1 LINEHANDLE offset out of range",
	      ioctl(chip, GPIO_GET_LINEHANDLE_IOCTL, &h), EINVAL);
	h.lineoffsets[0] = in_line;
	h.flags = GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_OUTPUT;
	check("v1 LINEHANDLE input and output", ioctl(chip, GPIO_GET_LINEHANDLE_IOCTL, &h), EINVAL);
	h.flags = GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_OPEN_DRAIN;
	check("v1 LINEHANDLE input with open drain",
	      ioctl(chip, GPIO_GET_LINEHANDLE_IOCTL, &h), EINVAL);
	h.flags = 1u << 20 | GPIOHANDLE_REQUEST_INPUT;
	check("v1 LINEHANDLE unknown flag", ioctl(chip, GPIO_GET_LINEHANDLE_IOCTL, &h), EINVAL);
}

/*
 * The lines still work: FREE_OUT drives FREE_IN, read 20 ms after each
 * change. FREE_IN had the bridge's longest debounce period in a request
 * above: released, it must not keep it (gpiolib forgets it on release, and
 * so must the bridge), or the input would lag 100 ms behind.
 */
static void still_works(void)
{
	struct gpio_v2_line_values v = { .mask = 1 };
	int out, in, val;

	out = hold(out_line, GPIO_V2_LINE_FLAG_OUTPUT);
	in = hold(in_line, GPIO_V2_LINE_FLAG_INPUT);
	for (val = 1; val >= 0; val--) {
		struct timespec pause = { 0, 20 * 1000 * 1000 };

		v.bits = val;
		if (ioctl(out, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0) {
			printf("FAIL: setting line %u to %d afterwards: %s\n", out_line, val,
			       strerror(errno));
			failed++;
			break;
		}
		nanosleep(&pause, NULL);
		v.bits = 0;
		if (ioctl(in, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0 || (int)(v.bits & 1) != val) {
			printf("FAIL: line %u does not read %d afterwards\n", in_line, val);
			failed++;
			break;
		}
	}
	printf("%s: line %u drives line %u afterwards\n", failed ? "checked" : "ok", out_line,
	       in_line);
	close(in);
	close(out);
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: %s %s\n", argv[0],
			"CHIPDEV NLINES FREE_IN FREE_OUT RESERVED MAX_DEBOUNCE_US");
		return 2;
	}
	chip = open(argv[1], O_RDWR);
	if (chip < 0) {
		perror(argv[1]);
		return 2;
	}
	nlines = strtoul(argv[2], NULL, 0);
	in_line = strtoul(argv[3], NULL, 0);
	out_line = strtoul(argv[4], NULL, 0);
	reserved = strtoul(argv[5], NULL, 0);
	max_debounce = strtoul(argv[6], NULL, 0);
	request_cases();
	request_fd_cases();
	chip_cases();
	v1_cases();
	still_works();
	printf("cases: %d tried, %d failed\n", tried, failed);
	return failed ? 1 : 0;
}
