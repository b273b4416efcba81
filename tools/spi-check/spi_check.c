// SPDX-License-Identifier: GPL-2.0
/*
 * spi_check: checks an SPI bus through spidev, for rpbridge's guest tests.
 *
 *   spi_check loop DEV MODE BITS HZ LEN [ROUNDS]
 *       full-duplex transfers of LEN bytes of pseudo-random words on a
 *       loopback chip select (MISO = MOSI); fails unless every received
 *       byte equals the sent one (bits above the word size masked);
 *       prints the throughput.
 *   spi_check split DEV
 *       a 3-transfer message (cs_change in the middle, delays) on a
 *       loopback: the data of each transfer must come back.
 *   spi_check expect-errno ERRNO DEV what [ARG]
 *       one bad request; fails unless it fails with ERRNO. `what`:
 *       mode32 VALUE, bits VALUE, speed VALUE, len VALUE (one transfer).
 *   spi_check hold DEV SECONDS
 *       transfers 64 KiB messages for SECONDS; exit 0 if they all passed,
 *       3 if one failed (prints its errno), so a test can unplug meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/spi/spidev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		perror(path);
		exit(2);
	}
	return fd;
}

static void set(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static uint32_t rng = 0x12345678;

static uint8_t next_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng >> 24;
}

/* Fills buf with random words of `bits`, bits above the size clear. */
static void fill(uint8_t *buf, size_t len, int bits)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = next_byte();
	for (i = 0; i < len; i += bits > 8 ? 2 : 1) {
		if (bits <= 8)
			buf[i] &= (1u << bits) - 1;
		else
			buf[i + 1] &= (1u << (bits - 8)) - 1;
	}
}

static int cmd_loop(char **av, int ac)
{
	int fd = open_dev(av[0]);
	uint32_t mode = strtoul(av[1], NULL, 0);
	uint8_t bits = strtoul(av[2], NULL, 0);
	uint32_t hz = strtoul(av[3], NULL, 0);
	size_t len = strtoul(av[4], NULL, 0);
	int rounds = ac > 5 ? atoi(av[5]) : 1, r;
	uint8_t *tx = malloc(len), *rx = malloc(len);
	double t0, dt;

	set(fd, SPI_IOC_WR_MODE32, &mode, "mode");
	set(fd, SPI_IOC_WR_BITS_PER_WORD, &bits, "bits");
	set(fd, SPI_IOC_WR_MAX_SPEED_HZ, &hz, "speed");
	t0 = now();
	for (r = 0; r < rounds; r++) {
		struct spi_ioc_transfer x = {
			.tx_buf = (uintptr_t)tx, .rx_buf = (uintptr_t)rx,
			.len = len, .speed_hz = hz, .bits_per_word = bits,
		};
		size_t i;

		fill(tx, len, bits);
		memset(rx, 0xa5, len);
		if (ioctl(fd, SPI_IOC_MESSAGE(1), &x) < 0) {
			fprintf(stderr, "transfer: %s\n", strerror(errno));
			return 1;
		}
		for (i = 0; i < len; i++) {
			if (rx[i] != tx[i]) {
				fprintf(stderr, "mode %#x bits %u len %zu: byte %zu sent %02x got %02x\n",
					mode, bits, len, i, tx[i], rx[i]);
				return 1;
			}
		}
	}
	dt = now() - t0;
	printf("ok: mode %#x, %u bits, %zu bytes x %d: %.0f KiB/s\n", mode, bits,
	       len, rounds, len * rounds / 1024.0 / dt);
	return 0;
}

static int cmd_split(char **av)
{
	int fd = open_dev(av[0]);
	uint8_t tx[3][700], rx[3][700];
	struct spi_ioc_transfer x[3];
	int i;

	memset(x, 0, sizeof(x));
	memset(rx, 0, sizeof(rx));
	for (i = 0; i < 3; i++) {
		fill(tx[i], sizeof(tx[i]), 8);
		x[i].tx_buf = (uintptr_t)tx[i];
		x[i].rx_buf = (uintptr_t)rx[i];
		x[i].len = 300 + 200 * i;
		x[i].delay_usecs = 10 * i;
	}
	x[1].cs_change = 1;
	x[0].word_delay_usecs = 1;
	x[0].len = 16;
	if (ioctl(fd, SPI_IOC_MESSAGE(3), x) < 0) {
		fprintf(stderr, "message: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < 3; i++)
		if (memcmp(tx[i], rx[i], x[i].len)) {
			fprintf(stderr, "transfer %d: data differs\n", i);
			return 1;
		}
	printf("ok: 3-transfer message with cs_change, delays, word delay\n");
	return 0;
}

static int cmd_errno(char **av)
{
	int want = atoi(av[0]), fd = open_dev(av[1]), ret;
	const char *what = av[2];
	uint32_t v = strtoul(av[3], NULL, 0);
	static uint8_t buf[1 << 20];

	if (!strcmp(what, "mode32")) {
		ret = ioctl(fd, SPI_IOC_WR_MODE32, &v);
	} else if (!strcmp(what, "bits")) {
		uint8_t b = v;

		ret = ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &b);
	} else if (!strcmp(what, "speed")) {
		ret = ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ, &v);
	} else if (!strcmp(what, "xfer-speed")) {
		struct spi_ioc_transfer x = {
			.tx_buf = (uintptr_t)buf, .len = 4, .speed_hz = v,
		};
		ret = ioctl(fd, SPI_IOC_MESSAGE(1), &x);
	} else if (!strcmp(what, "xfer-bits")) {
		struct spi_ioc_transfer x = {
			.tx_buf = (uintptr_t)buf, .len = 4, .bits_per_word = v,
		};
		ret = ioctl(fd, SPI_IOC_MESSAGE(1), &x);
	} else if (!strcmp(what, "len")) {
		struct spi_ioc_transfer x = {
			.tx_buf = (uintptr_t)buf, .rx_buf = (uintptr_t)buf, .len = v,
		};
		ret = ioctl(fd, SPI_IOC_MESSAGE(1), &x);
	} else {
		fprintf(stderr, "unknown check %s\n", what);
		return 2;
	}
	if (ret >= 0) {
		fprintf(stderr, "%s %s: succeeded, expected errno %d\n", what, av[3], want);
		return 1;
	}
	if (errno != want) {
		fprintf(stderr, "%s %s: errno %d (%s), expected %d\n", what, av[3],
			errno, strerror(errno), want);
		return 1;
	}
	printf("ok: %s %s -> errno %d (%s)\n", what, av[3], errno, strerror(errno));
	return 0;
}

static int cmd_hold(char **av)
{
	int fd = open_dev(av[0]);
	double end = now() + atof(av[1]);
	static uint8_t tx[65536], rx[65536];
	long n = 0;

	while (now() < end) {
		struct spi_ioc_transfer x = {
			.tx_buf = (uintptr_t)tx, .rx_buf = (uintptr_t)rx,
			.len = sizeof(tx),
		};

		if (ioctl(fd, SPI_IOC_MESSAGE(1), &x) < 0) {
			printf("transfer %ld failed: errno %d (%s)\n", n, errno,
			       strerror(errno));
			return 3;
		}
		n++;
	}
	printf("%ld transfers passed\n", n);
	return 0;
}

int main(int ac, char **av)
{
	if ((ac == 7 || ac == 8) && !strcmp(av[1], "loop"))
		return cmd_loop(av + 2, ac - 2);
	if (ac == 3 && !strcmp(av[1], "split"))
		return cmd_split(av + 2);
	if (ac == 6 && !strcmp(av[1], "expect-errno"))
		return cmd_errno(av + 2);
	if (ac == 4 && !strcmp(av[1], "hold"))
		return cmd_hold(av + 2);
	fprintf(stderr, "usage: see the comment at the top of spi_check.c\n");
	return 2;
}
