#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# i2c-smbus.pl BUS ADDR RW COMMAND SIZE [BLOCK0] [pec]: one I2C_SMBUS ioctl
# on /dev/i2c-BUS (after I2C_SLAVE ADDR, and I2C_PEC when "pec" is given),
# with any values, for the I2C bad-input test: RW is 0 (write) or 1 (read),
# SIZE the SMBus protocol number (0 quick ... 8 I2C block), BLOCK0 the
# first byte of the data union (a block's length; the rest is 0x5a).
# Prints "ok" and the data union's first bytes, or "errno N (text)" and
# exits 1 (also when I2C_SLAVE itself is refused).
use strict;
use warnings;

use constant { I2C_SLAVE => 0x0703, I2C_PEC => 0x0708, I2C_SMBUS => 0x0720 };

my ($bus, $addr, $rw, $cmd, $size, $block0, $pec) = @ARGV;
die "usage: i2c-smbus.pl BUS ADDR RW COMMAND SIZE [BLOCK0] [pec]\n" unless defined $size;
$_ = /^0x/i ? hex : $_ + 0 for ($addr, $rw, $cmd, $size);
sub refused { printf "errno %d (%s)\n", $! + 0, $!; exit 1 }
open(my $fh, '+<', "/dev/i2c-$bus") or refused();
ioctl($fh, I2C_SLAVE, $addr) or refused();
ioctl($fh, I2C_PEC, 1) or refused() if defined $pec && $pec eq 'pec';
# union i2c_smbus_data: 34 bytes (block[0] is the length).
my $data = chr(defined $block0 ? $block0 : 0) . "\x5a" x 33;
# struct i2c_smbus_ioctl_data { u8 read_write; u8 command; u32 size; union *data; }
my $arg = pack("C C x2 L J", $rw, $cmd, $size, unpack("J", pack("p", $data)));
ioctl($fh, I2C_SMBUS, $arg) or refused();
print "ok ", join(' ', map { sprintf "0x%02x", $_ } unpack("C4", $data)), "\n";
exit 0;
