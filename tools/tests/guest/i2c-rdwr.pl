#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# i2c-rdwr.pl BUS MSG...: sends MSG... as ONE I2C_RDWR ioctl on /dev/i2c-BUS
# (what i2ctransfer does, but with any flags and 10-bit addresses), for the
# I2C guest tests. Perl because the guest has perl-base and no compiler.
#
# MSG is   rFLAGS@ADDR:LEN       read LEN bytes (LEN decimal or 0x..)
#     or   wFLAGS@ADDR:HEX       write the bytes HEX (e.g. 10deadbeef; empty: 0 bytes)
#     or   wFLAGS@ADDR:=N:BB     write N bytes, all BB (hex)
# FLAGS are letters: t TEN, l RECV_LEN, a NO_RD_ACK, i IGNORE_NAK,
# v REV_DIR_ADDR, n NOSTART, s STOP; or +0xNNNN for raw flag bits.
#
# On success prints the data of every read message, one line each
# ("0xde 0xad"), and exits 0. On failure prints "errno N (text)" and exits 1.
# With I2C_RDWR_REPEAT=N in the environment the ioctl is made N times (for
# throughput figures; the data of the last one is printed).
use strict;
use warnings;

use constant I2C_RDWR => 0x0707;
my %FLAG = (t => 0x0010, l => 0x0400, a => 0x0800, i => 0x1000,
	    v => 0x2000, n => 0x4000, s => 0x8000);

my $bus = shift @ARGV;
die "usage: i2c-rdwr.pl BUS MSG...\n" unless defined $bus && @ARGV;
open(my $fh, '+<', "/dev/i2c-$bus") or do { printf "errno %d (%s)\n", $! + 0, $!; exit 1 };

my (@bufs, @hdr);
for my $spec (@ARGV) {
	$spec =~ /^([rw])([a-z]*)(?:\+(0x[0-9a-f]+))?@(0x[0-9a-f]+|\d+):(.*)$/i
		or die "bad message: $spec\n";
	my ($dir, $letters, $raw, $addr, $arg) = ($1, $2, $3, $4, $5);
	my $flags = $dir eq 'r' ? 0x0001 : 0;
	for my $l (split //, $letters) {
		defined $FLAG{$l} or die "bad flag $l in $spec\n";
		$flags |= $FLAG{$l};
	}
	$flags |= hex $raw if defined $raw;
	$addr = $addr =~ /^0x/i ? hex $addr : $addr + 0;
	my ($len, $buf);
	if ($dir eq 'r') {
		$len = $arg =~ /^0x/i ? hex $arg : $arg + 0;
		$buf = "\0" x ($len || 1);
		# i2c-dev wants the extra byte count in buf[0] for RECV_LEN.
		substr($buf, 0, 1) = "\x01" if $flags & $FLAG{l};
	} elsif ($arg =~ /^=(\d+):([0-9a-f]{2})$/i) {
		$len = $1;
		$buf = chr(hex $2) x ($len || 1);
	} else {
		$buf = pack("H*", $arg);
		$len = length $buf;
		$buf = "\0" unless $len;
	}
	push @bufs, $buf;
	push @hdr, [$addr, $flags, $len];
}
# struct i2c_msg { u16 addr, flags, len; u8 *buf; } (16 bytes on 64-bit).
my $msgs = join '', map {
	pack("S S S x2 J", @{$hdr[$_]}, unpack("J", pack("p", $bufs[$_])))
} 0 .. $#hdr;
# struct i2c_rdwr_ioctl_data { struct i2c_msg *msgs; u32 nmsgs; }
my $arg = pack("J L x4", unpack("J", pack("p", $msgs)), scalar @hdr);
for (1 .. ($ENV{I2C_RDWR_REPEAT} || 1)) {
	if (!defined ioctl($fh, I2C_RDWR, $arg)) {
		printf "errno %d (%s)\n", $! + 0, $!;
		exit 1;
	}
}
for my $i (0 .. $#hdr) {
	next unless $hdr[$i][1] & 0x0001;
	my $n = $hdr[$i][2];
	print join(' ', map { sprintf "0x%02x", $_ } unpack("C$n", $bufs[$i])), "\n";
}
exit 0;
