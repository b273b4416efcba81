/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the C helpers in helpers.c. The Rust side declares the same
 * functions in an extern "C" block next to the abstraction that calls them.
 */

#ifndef RPBRIDGE_SHIM_HELPERS_H
#define RPBRIDGE_SHIM_HELPERS_H

#include <linux/types.h>

struct iio_dev;
struct irq_data;
struct spi_controller;
struct urb;
struct usb_anchor;
struct usb_device;

/* USB (rust-bindings-shim/usb/urb.rs); upstream, rust/helpers/usb.c. */
void rpbridge_helper_init_usb_anchor(struct usb_anchor *anchor);
void rpbridge_helper_fill_int_urb(struct urb *urb, struct usb_device *dev,
				  unsigned int pipe, void *buf, int len,
				  void (*complete)(struct urb *urb),
				  void *context, int interval);

/* Interrupts (rust-bindings-shim/gpio.rs); upstream, rust/helpers/irq.c. */
bool rpbridge_helper_irqd_irq_disabled(struct irq_data *d);

/* SPI controllers (rust-bindings-shim/spi.rs). */
void *rpbridge_helper_spi_controller_get_devdata(struct spi_controller *ctlr);
void rpbridge_helper_spi_controller_set_devdata(struct spi_controller *ctlr,
						void *data);
void rpbridge_helper_spi_controller_put(struct spi_controller *ctlr);

/* IIO (rust-bindings-shim/iio.rs); upstream, rust/helpers/iio.c. */
void *rpbridge_helper_iio_priv(const struct iio_dev *indio_dev);
bool rpbridge_helper_iio_device_claim_direct(struct iio_dev *indio_dev);
void rpbridge_helper_iio_device_release_direct(struct iio_dev *indio_dev);
int rpbridge_helper_iio_push_to_buffers_with_ts(struct iio_dev *indio_dev,
						void *data,
						size_t data_total_len,
						s64 timestamp);

#endif /* RPBRIDGE_SHIM_HELPERS_H */
