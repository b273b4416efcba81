// SPDX-License-Identifier: GPL-2.0
/*
 * bridge_bench: one benchmark operation of a USB I/O bridge, measured from
 * user space through the kernel's usual interfaces, so that any driver
 * (rpbridge or the upstream dln2 ones) can be measured the same way. Run
 * by tools/bench/run; built statically by scripts/build-guest-tools.
 *
 * Each command runs its operation in a loop for SECS seconds (or N times)
 * and prints one line:
 *
 *   RESULT <value> <unit> <check> <operations>
 *
 * where <check> is "intact" (every datum read back was the expected one),
 * "unchecked" (the operation returns no data to check) or
 * "DATA-BAD:<what>" (the operation reported success but the data were
 * wrong). A failing system call prints "ERROR: ..." and exits 1; wrong
 * data is not an error of the program, it is a finding.
 *
 *   gpio-get CHIP LINE SECS           single-line get (input), ops/s
 *   gpio-set CHIP LINE PARTNER SECS   single-line set (output), ops/s;
 *                                     PARTNER (wired to LINE) must follow
 *   gpio-get8 CHIP L1,..,L8 SECS      one get of 8 input lines, ops/s
 *   gpio-set8 CHIP L1,..,L8 SECS      one set of 8 output lines, ops/s
 *   gpio-edge CHIP LINE FIFO N        N edges driven from the device side
 *                                     (the emulator's control FIFO,
 *                                     "gpio LINE 0/1"): median latency
 *                                     to the edge event, microseconds
 *   i2c-fill DEV ADDR                 fills a 24C02 EEPROM with the
 *                                     pattern the reads below check
 *   i2c-rdwr DEV ADDR SECS            I2C_RDWR write(1) + read(8) of the
 *                                     filled EEPROM, transfers/s
 *   i2c-read DEV ADDR LEN SECS        I2C_RDWR write(1) + read(LEN), B/s
 *   i2c-write DEV ADDR LEN SECS       one write message of LEN bytes, B/s
 *   spi DEV LEN SECS                  full-duplex LEN-byte transfers on a
 *                                     loopback, bytes/s each way
 *   iio-buffer IIODEV CHANNELS RATE CH3 SECS
 *                                     buffered capture of in_voltageN for
 *                                     N in CHANNELS (e.g. 0,1,2,3) at RATE
 *                                     Hz, samples/s; channel 3 must read
 *                                     CH3 (the emulator's constant)
 *   iio-raw IIODEV CH SECS            sysfs in_voltageCH_raw reads, reads/s
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <linux/spi/spidev.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("ERROR: ");
	vprintf(fmt, ap);
	printf(" (errno %d: %s)\n", errno, strerror(errno));
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void result(double value, const char *unit, const char *check, long ops)
{
	printf("RESULT %.1f %s %s %ld\n", value, unit, check, ops);
}

/* ---- GPIO: character device, uAPI v2 ---- */

static int gpio_request(const char *chip, const unsigned int *lines, int n,
			uint64_t flags, uint64_t values)
{
	struct gpio_v2_line_request req;
	int fd, i;

	fd = open(chip, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s", chip);
	memset(&req, 0, sizeof(req));
	for (i = 0; i < n; i++)
		req.offsets[i] = lines[i];
	req.num_lines = n;
	strcpy(req.consumer, "bridge_bench");
	req.config.flags = flags;
	if (flags & GPIO_V2_LINE_FLAG_OUTPUT) {
		req.config.num_attrs = 1;
		req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
		req.config.attrs[0].attr.values = values;
		req.config.attrs[0].mask = (1ULL << n) - 1;
	}
	if (ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
		die("GPIO_V2_GET_LINE_IOCTL %s", chip);
	close(fd);
	return req.fd;
}

static uint64_t gpio_get(int fd, uint64_t mask)
{
	struct gpio_v2_line_values v = { .mask = mask };

	if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0)
		die("GPIO_V2_LINE_GET_VALUES_IOCTL");
	return v.bits;
}

static void gpio_set(int fd, uint64_t mask, uint64_t bits)
{
	struct gpio_v2_line_values v = { .mask = mask, .bits = bits };

	if (ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0)
		die("GPIO_V2_LINE_SET_VALUES_IOCTL");
}

static int parse_lines(const char *s, unsigned int *lines, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		lines[n++] = strtoul(s, &end, 0);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* Single-line get, or 8-line get when several lines are given. */
static void gpio_get_bench(const char *chip, const char *list, double secs)
{
	unsigned int lines[64];
	int n = parse_lines(list, lines, 64);
	uint64_t mask = n >= 64 ? ~0ULL : (1ULL << n) - 1;
	int fd = gpio_request(chip, lines, n, GPIO_V2_LINE_FLAG_INPUT, 0);
	double t0 = now(), t;
	long ops = 0;

	do {
		gpio_get(fd, mask);
		ops++;
	} while ((t = now()) - t0 < secs);
	close(fd);
	result(ops / (t - t0), "ops/s", "unchecked", ops);
}

/*
 * Single-line set with its wired partner read back at the end, or an
 * 8-line set (partners not checked).
 */
static void gpio_set_bench(const char *chip, const char *list, int partner,
			   double secs)
{
	unsigned int lines[64], p = partner;
	int n = parse_lines(list, lines, 64);
	uint64_t mask = n >= 64 ? ~0ULL : (1ULL << n) - 1;
	int fd = gpio_request(chip, lines, n, GPIO_V2_LINE_FLAG_OUTPUT, 0);
	double t0 = now(), t;
	long ops = 0;
	char check[64] = "unchecked";

	do {
		gpio_set(fd, mask, ops & 1 ? mask : 0);
		ops++;
	} while ((t = now()) - t0 < secs);
	if (partner >= 0) {
		int in = gpio_request(chip, &p, 1, GPIO_V2_LINE_FLAG_INPUT, 0);
		int high, low;

		gpio_set(fd, 1, 1);
		high = gpio_get(in, 1) & 1;
		gpio_set(fd, 1, 0);
		low = gpio_get(in, 1) & 1;
		strcpy(check, high == 1 && low == 0 ? "intact" :
		       "DATA-BAD:partner-did-not-follow");
		close(in);
	}
	close(fd);
	result(ops / (t - t0), "ops/s", check, ops);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Edges from the device side (the emulator drives the pin). */
static void gpio_edge_bench(const char *chip, unsigned int line,
			    const char *fifo, int n)
{
	int fd = gpio_request(chip, &line, 1, GPIO_V2_LINE_FLAG_INPUT |
			      GPIO_V2_LINE_FLAG_EDGE_RISING |
			      GPIO_V2_LINE_FLAG_EDGE_FALLING, 0);
	int ctl = open(fifo, O_WRONLY | O_CLOEXEC);
	double *lat = calloc(n, sizeof(*lat));
	double *to_irq = calloc(n, sizeof(*to_irq));
	int i, wrong = 0, lost = 0, got = 0;
	char cmd[64], check[64];

	if (ctl < 0 || !lat || !to_irq)
		die("open %s", fifo);
	/* Start from a known low level. */
	dprintf(ctl, "gpio %u 0\n", line);
	usleep(200000);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct gpio_v2_line_event ev;

		if (poll(&pfd, 1, 100) <= 0)
			break;
		if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
			die("read stale event");
	}
	for (i = 0; i < n; i++) {
		int level = !(i & 1);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct gpio_v2_line_event ev;
		double t0, t1;
		int len = snprintf(cmd, sizeof(cmd), "gpio %u %d\n", line, level);

		t0 = now();
		if (write(ctl, cmd, len) != len)
			die("write %s", fifo);
		if (poll(&pfd, 1, 2000) <= 0) {
			lost++;
			continue;
		}
		if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
			die("read event");
		t1 = now();
		if (ev.id != (level ? GPIO_V2_LINE_EVENT_RISING_EDGE :
			      GPIO_V2_LINE_EVENT_FALLING_EDGE))
			wrong++;
		/*
		 * The kernel stamps the event in its interrupt handler
		 * (CLOCK_MONOTONIC, as now()).
		 */
		to_irq[got] = ev.timestamp_ns / 1e3 - t0 * 1e6;
		lat[got++] = (t1 - t0) * 1e6;
	}
	dprintf(ctl, "gpio %u z\n", line);
	close(ctl);
	close(fd);
	if (!got) {
		errno = ETIMEDOUT;
		die("no edge event arrived");
	}
	qsort(lat, got, sizeof(*lat), cmp_double);
	qsort(to_irq, got, sizeof(*to_irq), cmp_double);
	printf("edge split: drive to interrupt handler %.1f us (median), whole %.1f us (median)\n",
	       to_irq[got / 2], lat[got / 2]);
	if (lost || wrong)
		snprintf(check, sizeof(check), "DATA-BAD:%d-lost,%d-wrong-edge", lost, wrong);
	else
		strcpy(check, "intact");
	result(lat[got / 2], "us", check, got);
	free(to_irq);
	free(lat);
}

/* ---- I2C: i2c-dev ---- */

static int i2c_open(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open %s", dev);
	return fd;
}

static int i2c_xfer(int fd, struct i2c_msg *m, int n)
{
	struct i2c_rdwr_ioctl_data d = { .msgs = m, .nmsgs = n };

	return ioctl(fd, I2C_RDWR, &d);
}

static void eeprom_pattern(uint8_t *pattern)
{
	int i;

	for (i = 0; i < 256; i++)
		pattern[i] = i * 7 + 3;
}

/* The 24C02 wraps writes within 8-byte pages: fill it page by page. */
static void eeprom_fill(const char *dev, int addr)
{
	int page, fd = i2c_open(dev);
	uint8_t pattern[256];

	eeprom_pattern(pattern);
	for (page = 0; page < 256; page += 8) {
		uint8_t buf[9];
		struct i2c_msg m = { .addr = addr, .len = 9, .buf = buf };

		buf[0] = page;
		memcpy(buf + 1, pattern + page, 8);
		if (i2c_xfer(fd, &m, 1) < 0)
			die("EEPROM page write at %d", page);
	}
	close(fd);
	result(256, "bytes", "unchecked", 32);
}

static void i2c_read_bench(const char *dev, int addr, int len, double secs)
{
	int fd = i2c_open(dev);
	uint8_t pattern[256], buf[4096], zero = 0;
	double t0, t;
	long ops = 0, bad = 0;
	int i;
	char check[64];

	if (len < 1 || len > (int)sizeof(buf)) {
		errno = EINVAL;
		die("length %d", len);
	}
	eeprom_pattern(pattern);
	t0 = now();
	do {
		struct i2c_msg m[2] = {
			{ .addr = addr, .len = 1, .buf = &zero },
			{ .addr = addr, .flags = I2C_M_RD, .len = len, .buf = buf },
		};

		memset(buf, 0, len);
		if (i2c_xfer(fd, m, 2) < 0)
			die("I2C_RDWR write(1)+read(%d)", len);
		for (i = 0; i < len; i++)
			if (buf[i] != pattern[i % 256]) {
				bad++;
				break;
			}
		ops++;
	} while ((t = now()) - t0 < secs);
	close(fd);
	if (bad)
		snprintf(check, sizeof(check), "DATA-BAD:%ld-of-%ld-reads", bad, ops);
	else
		strcpy(check, "intact");
	if (len == 8)
		result(ops / (t - t0), "xfers/s", check, ops);
	else
		result(ops * len / (t - t0), "B/s", check, ops);
}

static void i2c_write_bench(const char *dev, int addr, int len, double secs)
{
	int fd = i2c_open(dev);
	uint8_t buf[4096];
	double t0 = now(), t;
	long ops = 0;

	if (len < 1 || len > (int)sizeof(buf)) {
		errno = EINVAL;
		die("length %d", len);
	}
	memset(buf, 0x5a, len);
	buf[0] = 0;
	do {
		struct i2c_msg m = { .addr = addr, .len = len, .buf = buf };

		if (i2c_xfer(fd, &m, 1) < 0)
			die("I2C_RDWR write(%d)", len);
		ops++;
	} while ((t = now()) - t0 < secs);
	close(fd);
	result(ops * len / (t - t0), "B/s", "unchecked", ops);
}

/* ---- SPI: spidev on a loopback ---- */

static void spi_bench(const char *dev, int len, double secs)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	uint8_t *tx = malloc(len), *rx = malloc(len);
	double t0, t;
	long ops = 0, bad = 0, bad_bytes = 0;
	int i;
	char check[160];

	if (len < 1) {
		errno = EINVAL;
		die("length %d", len);
	}
	if (fd < 0 || !tx || !rx)
		die("open %s", dev);
	t0 = now();
	do {
		struct spi_ioc_transfer x = {
			.tx_buf = (uintptr_t)tx,
			.rx_buf = (uintptr_t)rx,
			.len = len,
			.bits_per_word = 8,
		};
		long diff = 0;

		for (i = 0; i < len; i++)
			tx[i] = (uint8_t)(i * 13 + ops);
		memset(rx, 0, len);
		if (ioctl(fd, SPI_IOC_MESSAGE(1), &x) < 0)
			die("SPI_IOC_MESSAGE of %d bytes", len);
		for (i = 0; i < len; i++)
			diff += rx[i] != tx[i];
		if (diff) {
			bad++;
			bad_bytes = diff;
		}
		ops++;
	} while ((t = now()) - t0 < secs);
	close(fd);
	if (bad)
		snprintf(check, sizeof(check),
			 "DATA-BAD:%ld-of-%ld-transfers-wrong,%ld-of-%d-bytes-not-received",
			 bad, ops, bad_bytes, len);
	else
		strcpy(check, "intact");
	result((double)ops * len / (t - t0), "B/s", check, ops);
	free(tx);
	free(rx);
}

/* ---- IIO ---- */

static void write_attr(const char *dir, const char *name, const char *val)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die("write %s to %s", val, path);
	close(fd);
}

static void iio_buffer_bench(const char *dir, const char *list, const char *rate,
			     int ch3, double secs)
{
	unsigned int chans[8];
	int n = parse_lines(list, chans, 8), i, fd, pos3 = -1;
	char name[96], devnode[96];
	const char *base = strrchr(dir, '/');
	static uint8_t buf[1 << 16];
	long bytes = 0, bad = 0, samples;
	double t0, t;
	char check[64];

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "scan_elements/in_voltage%u_en", chans[i]);
		write_attr(dir, name, "1");
		if (chans[i] == 3)
			pos3 = i;
	}
	write_attr(dir, "sampling_frequency", rate);
	write_attr(dir, "buffer/length", "4096");
	snprintf(devnode, sizeof(devnode), "/dev/%s", base ? base + 1 : dir);
	fd = open(devnode, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("open %s", devnode);
	write_attr(dir, "buffer/enable", "1");
	t0 = now();
	do {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t got;
		long s;

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		got = read(fd, buf, sizeof(buf) - sizeof(buf) % (2 * n));
		if (got < 0) {
			if (errno == EAGAIN)
				continue;
			die("read %s", devnode);
		}
		/* Scans are n 16-bit samples; buffer reads return whole scans. */
		for (s = 0; pos3 >= 0 && s + 2 * n <= got; s += 2 * n) {
			uint16_t v = buf[s + 2 * pos3] | buf[s + 2 * pos3 + 1] << 8;

			bad += v != ch3;
		}
		bytes += got;
	} while ((t = now()) - t0 < secs);
	write_attr(dir, "buffer/enable", "0");
	close(fd);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "scan_elements/in_voltage%u_en", chans[i]);
		write_attr(dir, name, "0");
	}
	samples = bytes / 2;
	if (!samples)
		snprintf(check, sizeof(check), "DATA-BAD:no-samples");
	else if (bad)
		snprintf(check, sizeof(check), "DATA-BAD:%ld-ch3-samples-wrong", bad);
	else
		strcpy(check, pos3 >= 0 ? "intact" : "unchecked");
	result(samples / (t - t0), "samples/s", check, samples);
}

static void iio_raw_bench(const char *dir, int ch, double secs)
{
	char path[512], buf[32];
	int fd;
	double t0 = now(), t;
	long ops = 0;

	snprintf(path, sizeof(path), "%s/in_voltage%d_raw", dir, ch);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", path);
	do {
		if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
			die("read %s", path);
		ops++;
	} while ((t = now()) - t0 < secs);
	close(fd);
	result(ops / (t - t0), "reads/s", "unchecked", ops);
}

static int usage(void)
{
	fprintf(stderr, "bad arguments: see the comment at the top of bridge_bench.c\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "gpio-get") && argc == 5)
		gpio_get_bench(argv[2], argv[3], atof(argv[4]));
	else if (!strcmp(c, "gpio-set") && argc == 6)
		gpio_set_bench(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
	else if (!strcmp(c, "gpio-get8") && argc == 5)
		gpio_get_bench(argv[2], argv[3], atof(argv[4]));
	else if (!strcmp(c, "gpio-set8") && argc == 5)
		gpio_set_bench(argv[2], argv[3], -1, atof(argv[4]));
	else if (!strcmp(c, "gpio-edge") && argc == 6)
		gpio_edge_bench(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]));
	else if (!strcmp(c, "i2c-fill") && argc == 4)
		eeprom_fill(argv[2], strtol(argv[3], NULL, 0));
	else if (!strcmp(c, "i2c-rdwr") && argc == 5)
		i2c_read_bench(argv[2], strtol(argv[3], NULL, 0), 8, atof(argv[4]));
	else if (!strcmp(c, "i2c-read") && argc == 6)
		i2c_read_bench(argv[2], strtol(argv[3], NULL, 0), atoi(argv[4]), atof(argv[5]));
	else if (!strcmp(c, "i2c-write") && argc == 6)
		i2c_write_bench(argv[2], strtol(argv[3], NULL, 0), atoi(argv[4]), atof(argv[5]));
	else if (!strcmp(c, "spi") && argc == 5)
		spi_bench(argv[2], atoi(argv[3]), atof(argv[4]));
	else if (!strcmp(c, "iio-buffer") && argc == 7)
		iio_buffer_bench(argv[2], argv[3], argv[4], atoi(argv[5]), atof(argv[6]));
	else if (!strcmp(c, "iio-raw") && argc == 5)
		iio_raw_bench(argv[2], atoi(argv[3]), atof(argv[4]));
	else
		return usage();
	return 0;
}
