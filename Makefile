# SPDX-License-Identifier: GPL-2.0
#
# The two commands of this project (see README.md):
#   make run     boot the test guest with an emulated RPBridge and show it
#   make check   run every test, host and guest; ends with "N passed, N failed"
#
# The kernel's build reads Kbuild, not this file, for `make -C <kdir> M=$PWD`.

.PHONY: help run check modules clean

help:
	@sed -n 's/^#   //p' Makefile

run:
	@scripts/run

check:
	@scripts/check

modules:
	@scripts/build-modules

clean:
	rm -rf out target
	rm -f *.ko *.o *.mod *.mod.c .*.cmd Module.symvers modules.order
	find rpbridge-* rust-bindings-shim tools/test-modules \( -name '*.o' -o -name '*.rmeta' -o -name '.*.cmd' -o -name '*.ko' -o -name '*.mod*' -o -name bindings_generated.rs \) -delete
