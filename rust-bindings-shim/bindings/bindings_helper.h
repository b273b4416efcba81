/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers whose bindings Linux 7.3's kernel::bindings lacks. Upstream, these
 * lines join rust/bindings/bindings_helper.h. Which items are generated is
 * listed in the *.params files next to this one, one file per subsystem.
 */

#include <linux/spi/spi.h>
#include <linux/iio/iio.h>
#include <linux/iio/buffer.h>
#include <linux/iio/kfifo_buf.h>
#include <linux/iio/trigger.h>
#include <linux/iio/trigger_consumer.h>
#include <linux/iio/triggered_buffer.h>
