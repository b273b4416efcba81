// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for rpbridge's Rust abstractions: static inline functions of
 * kernel headers, which bindgen cannot turn into bindings. Upstream, these
 * become entries of rust/helpers/usb.c, rust/helpers/irq.c,
 * rust/helpers/spi.c and rust/helpers/iio.c. Prototypes: helpers.h.
 */

#include <linux/iio/buffer.h>
#include <linux/iio/iio.h>
#include <linux/irq.h>
#include <linux/spi/spi.h>
#include <linux/usb.h>

#include "helpers.h"

/* USB (rust-bindings-shim/usb/urb.rs). */

void rpbridge_helper_init_usb_anchor(struct usb_anchor *anchor)
{
	init_usb_anchor(anchor);
}

void rpbridge_helper_fill_int_urb(struct urb *urb, struct usb_device *dev,
				  unsigned int pipe, void *buf, int len,
				  usb_complete_t complete, void *context,
				  int interval)
{
	usb_fill_int_urb(urb, dev, pipe, buf, len, complete, context, interval);
}

/* Interrupts (rust-bindings-shim/gpio.rs). */

bool rpbridge_helper_irqd_irq_disabled(struct irq_data *d)
{
	return irqd_irq_disabled(d);
}

/* SPI controllers (rust-bindings-shim/spi.rs). */

void *rpbridge_helper_spi_controller_get_devdata(struct spi_controller *ctlr)
{
	return spi_controller_get_devdata(ctlr);
}

void rpbridge_helper_spi_controller_set_devdata(struct spi_controller *ctlr,
						void *data)
{
	spi_controller_set_devdata(ctlr, data);
}

void rpbridge_helper_spi_controller_put(struct spi_controller *ctlr)
{
	spi_controller_put(ctlr);
}

/* IIO (rust-bindings-shim/iio.rs). */

void *rpbridge_helper_iio_priv(const struct iio_dev *indio_dev)
{
	return iio_priv(indio_dev);
}

bool rpbridge_helper_iio_device_claim_direct(struct iio_dev *indio_dev)
{
	return iio_device_claim_direct(indio_dev);
}

void rpbridge_helper_iio_device_release_direct(struct iio_dev *indio_dev)
{
	iio_device_release_direct(indio_dev);
}

int rpbridge_helper_iio_push_to_buffers_with_ts(struct iio_dev *indio_dev,
						void *data,
						size_t data_total_len,
						s64 timestamp)
{
	return iio_push_to_buffers_with_ts(indio_dev, data, data_total_len,
					   timestamp);
}
