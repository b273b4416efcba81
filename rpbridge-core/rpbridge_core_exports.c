// SPDX-License-Identifier: GPL-2.0
/*
 * Exports the Rust symbols of rpbridge-core (the rpbridge_core and
 * rpbridge_shim crates) that the function drivers use; the list is
 * generated at build time from what their objects need (see Kbuild), as a
 * declaration and an EXPORT_SYMBOL_GPL() for each symbol.
 * This is how Linux 7.3 exports nova-core's Rust symbols to nova-drm.
 */

#include <linux/export.h>

#include "exports_rpbridge_core_generated.h"
