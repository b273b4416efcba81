// SPDX-License-Identifier: GPL-2.0

//! Test-only module: raises one `WARN` when loaded, so that `make check`
//! can prove that scripts/vm-run fails a run whose console shows a kernel
//! report. Never shipped.

use kernel::prelude::*;

module! {
    type: SelftestWarn,
    name: "rpbridge_selftest_warn",
    authors: ["The rpbridge developers"],
    description: "rpbridge test harness self-test: triggers one WARN on load",
    license: "GPL",
}

struct SelftestWarn;

impl kernel::Module for SelftestWarn {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("triggering a deliberate WARN for the report detector\n");
        kernel::warn_on!(true);
        Ok(SelftestWarn)
    }
}
