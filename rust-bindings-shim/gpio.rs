// SPDX-License-Identifier: GPL-2.0

//! GPIO chip providers: a `gpio_chip`, optionally with an irq chip, whose
//! operations are a Rust [`GpioOps`] implementation.
//!
//! The chip is for a sleeping bus (`can_sleep`): every operation may sleep.
//! Its interrupts are nested (threaded): the driver learns of a fired line
//! in process context and calls [`Registration::handle_nested_irq`]. The
//! irq chip is immutable (`IRQCHIP_IMMUTABLE`, with gpiolib's resource
//! helpers). Mask, unmask and trigger changes happen under the irq
//! descriptor's lock, where nothing may sleep: the driver records them and
//! sends them to the hardware in [`GpioOps::irq_bus_sync_unlock`], the
//! "slow bus" protocol of `struct irq_chip`.
//!
//! At most 64 lines: line sets are `u64` masks.
//!
//! C header: [`include/linux/gpio/driver.h`](srctree/include/linux/gpio/driver.h)

use core::{
    marker::PhantomPinned,
    ptr, //
};
use kernel::{
    bindings, device,
    error::{from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::{
        c_char,
        c_int,
        c_uint,
        c_ulong,
        c_void, //
    },
    prelude::*,
    str::CString,
    sync::{Arc, LockClassKey},
    types::Opaque,
};

// `struct irq_data` holds a bitfield-bearing type bindgen turns into an
// array Rust does not call FFI-safe; only a pointer to it crosses here.
#[allow(improper_ctypes)]
extern "C" {
    fn rpbridge_helper_irqd_irq_disabled(d: *mut bindings::irq_data) -> bool;
}

/// Whether the mapped interrupt `irq` of a registered chip has handlers
/// and is not disabled.
///
/// Out of tree: not generic, so that it is compiled here, next to the C
/// helper it calls, and exported to the drivers like the rest of the shim.
///
/// # Safety
///
/// `irq` is a mapped interrupt of a registered chip.
#[inline(never)]
unsafe fn nested_irq_handled(irq: c_uint) -> bool {
    // SAFETY: By the function's safety requirement, `irq`'s descriptor and
    // `irq_data` exist; reading the action list head and the disabled
    // state bit takes no lock and changes nothing.
    unsafe {
        let d = bindings::irq_get_irq_data(irq);
        bindings::irq_has_action(irq) && !d.is_null() && !rpbridge_helper_irqd_irq_disabled(d)
    }
}

/// Direction of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineDirection {
    /// The line is read.
    Input,
    /// The line is driven.
    Output,
}

/// A line configuration gpiolib asks for (`PIN_CONFIG_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineConfig {
    /// No pull.
    BiasDisable,
    /// Pull-up.
    PullUp,
    /// Pull-down.
    PullDown,
    /// Drive both levels.
    PushPull,
    /// Drive low only.
    OpenDrain,
    /// Drive high only.
    OpenSource,
    /// Debounce, microseconds (0: off).
    Debounce(u32),
}

impl LineConfig {
    /// Decodes a packed pinconf value; `None` for parameters no GPIO driver
    /// here handles (gpiolib then falls back or reports `ENOTSUPP`).
    fn from_packed(config: c_ulong) -> Option<Self> {
        let param = (config & 0xff) as u32;
        let arg = ((config >> 8) & 0xff_ffff) as u32;
        Some(match param {
            bindings::pin_config_param_PIN_CONFIG_BIAS_DISABLE => Self::BiasDisable,
            bindings::pin_config_param_PIN_CONFIG_BIAS_PULL_UP => Self::PullUp,
            bindings::pin_config_param_PIN_CONFIG_BIAS_PULL_DOWN => Self::PullDown,
            bindings::pin_config_param_PIN_CONFIG_DRIVE_PUSH_PULL => Self::PushPull,
            bindings::pin_config_param_PIN_CONFIG_DRIVE_OPEN_DRAIN => Self::OpenDrain,
            bindings::pin_config_param_PIN_CONFIG_DRIVE_OPEN_SOURCE => Self::OpenSource,
            bindings::pin_config_param_PIN_CONFIG_INPUT_DEBOUNCE => Self::Debounce(arg),
            _ => return None,
        })
    }
}

/// An interrupt trigger (`IRQ_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqTrigger {
    /// No trigger.
    None,
    /// Rising edge.
    Rising,
    /// Falling edge.
    Falling,
    /// Both edges.
    Both,
    /// High level.
    High,
    /// Low level.
    Low,
}

impl IrqTrigger {
    fn from_raw(ty: c_uint) -> Option<Self> {
        Some(match ty & bindings::IRQ_TYPE_SENSE_MASK {
            bindings::IRQ_TYPE_NONE => Self::None,
            bindings::IRQ_TYPE_EDGE_RISING => Self::Rising,
            bindings::IRQ_TYPE_EDGE_FALLING => Self::Falling,
            bindings::IRQ_TYPE_EDGE_BOTH => Self::Both,
            bindings::IRQ_TYPE_LEVEL_HIGH => Self::High,
            bindings::IRQ_TYPE_LEVEL_LOW => Self::Low,
            _ => return None,
        })
    }

    /// Whether this is a level trigger.
    pub fn is_level(self) -> bool {
        matches!(self, Self::High | Self::Low)
    }
}

/// The operations of a GPIO chip. All run in process context and may sleep,
/// except the three irq recorders (`irq_set_type`, `irq_mask`,
/// `irq_unmask`), which run under a spinlock.
#[vtable]
pub trait GpioOps: Send + Sync + 'static {
    /// The direction of line `offset`.
    fn get_direction(&self, offset: u32) -> Result<LineDirection>;
    /// Makes line `offset` an input.
    fn direction_input(&self, offset: u32) -> Result;
    /// Makes line `offset` an output at `value`.
    fn direction_output(&self, offset: u32, value: bool) -> Result;
    /// Reads line `offset`.
    fn get(&self, offset: u32) -> Result<bool>;
    /// Drives line `offset` to `value`.
    fn set(&self, offset: u32, value: bool) -> Result;

    /// Reads the lines in `mask`; bits outside it are ignored.
    fn get_multiple(&self, _mask: u64) -> Result<u64> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Drives the lines in `mask` to the levels in `bits`.
    fn set_multiple(&self, _mask: u64, _bits: u64) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Applies `config` to line `offset`; `ENOTSUPP` if the line cannot.
    fn set_config(&self, _offset: u32, _config: LineConfig) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Line `offset` was released by its last user (gpiolib forgets its
    /// flags and debounce period now; the hardware should too). Sleeps.
    fn free(&self, _offset: u32) {}

    /// Records the trigger of line `offset`. Atomic context.
    fn irq_set_type(&self, _offset: u32, _trigger: IrqTrigger) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Records that line `offset`'s interrupt is masked. Atomic context.
    fn irq_mask(&self, _offset: u32) {}

    /// Records that line `offset`'s interrupt is unmasked. Atomic context.
    fn irq_unmask(&self, _offset: u32) {}

    /// Sends the recorded irq changes to the hardware. Sleeps.
    fn irq_bus_sync_unlock(&self) {}
}

/// How to register a chip.
pub struct ChipConfig<'a> {
    /// The chip's label (shown by `gpiodetect`).
    pub label: &'a CStr,
    /// Number of lines, 1-64.
    pub ngpio: u16,
    /// Line names (empty: no name), `ngpio` of them or none at all.
    pub names: &'a [&'a [u8]],
    /// Lines that may be used; the others show as unavailable.
    pub valid_mask: u64,
    /// Whether the chip has interrupts ([`GpioOps::irq_set_type`] and the
    /// other irq operations must then be implemented).
    pub irq: bool,
}

/// The C objects of a registered chip, at a stable address.
///
/// # Invariants
///
/// `chip` is the first field (the struct is `repr(C)`), so a `gpio_chip`
/// pointer gpiolib passes to a callback of this chip is also a pointer to
/// its `Chip`. `irq_chip`, `names` and `label` outlive the registration.
#[repr(C)]
#[pin_data]
struct Chip<T: GpioOps> {
    #[pin]
    chip: Opaque<bindings::gpio_chip>,
    #[pin]
    irq_chip: Opaque<bindings::irq_chip>,
    ops: Arc<T>,
    valid_mask: u64,
    label: CString,
    names: KVec<CString>,
    name_ptrs: KVec<*const c_char>,
    #[pin]
    _pin: PhantomPinned,
}

/// A registered GPIO chip; dropping it removes the chip.
///
/// # Invariants
///
/// `chip.chip` was added with `gpiochip_add_data_with_key()` and is removed
/// in `drop`; until then gpiolib may call the callbacks below with it.
pub struct Registration<T: GpioOps> {
    chip: Pin<KBox<Chip<T>>>,
}

// SAFETY: The C objects are used through gpiolib, which is thread-safe; the
// raw name pointers point into `names`, owned by the same structure.
unsafe impl<T: GpioOps> Send for Registration<T> {}
// SAFETY: As for `Send`; `&Registration` only reaches gpiolib and `T: Sync`.
unsafe impl<T: GpioOps> Sync for Registration<T> {}

impl<T: GpioOps> Chip<T> {
    /// # Safety
    ///
    /// `gc` is the `gpio_chip` of a live, registered `Chip<T>`.
    unsafe fn from_gc<'a>(gc: *mut bindings::gpio_chip) -> &'a Self {
        // SAFETY: By the type invariant, `chip` is the first field of a
        // `repr(C)` struct, and the caller guarantees the chip is live.
        unsafe { &*gc.cast::<Self>() }
    }

    /// # Safety
    ///
    /// `d` is the `irq_data` of an interrupt of a live, registered chip
    /// (gpiolib sets its chip data to the `gpio_chip`).
    unsafe fn from_irq_data<'a>(d: *mut bindings::irq_data) -> (&'a Self, u32) {
        // SAFETY: See the function's contract; both are plain fields.
        unsafe {
            let gc = (*d).chip_data.cast::<bindings::gpio_chip>();
            (Self::from_gc(gc), (*d).hwirq as u32)
        }
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn get_direction(gc: *mut bindings::gpio_chip, offset: c_uint) -> c_int {
        // SAFETY: gpiolib calls this for a registered chip.
        let c = unsafe { Self::from_gc(gc) };
        from_result(|| {
            Ok(match c.ops.get_direction(offset)? {
                LineDirection::Input => bindings::GPIO_LINE_DIRECTION_IN as c_int,
                LineDirection::Output => bindings::GPIO_LINE_DIRECTION_OUT as c_int,
            })
        })
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn direction_input(gc: *mut bindings::gpio_chip, offset: c_uint) -> c_int {
        // SAFETY: gpiolib calls this for a registered chip.
        let c = unsafe { Self::from_gc(gc) };
        from_result(|| c.ops.direction_input(offset).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn direction_output(
        gc: *mut bindings::gpio_chip,
        offset: c_uint,
        value: c_int,
    ) -> c_int {
        // SAFETY: gpiolib calls this for a registered chip.
        let c = unsafe { Self::from_gc(gc) };
        from_result(|| c.ops.direction_output(offset, value != 0).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn get(gc: *mut bindings::gpio_chip, offset: c_uint) -> c_int {
        // SAFETY: gpiolib calls this for a registered chip.
        let c = unsafe { Self::from_gc(gc) };
        from_result(|| c.ops.get(offset).map(c_int::from))
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn set(gc: *mut bindings::gpio_chip, offset: c_uint, value: c_int) -> c_int {
        // SAFETY: gpiolib calls this for a registered chip.
        let c = unsafe { Self::from_gc(gc) };
        from_result(|| c.ops.set(offset, value != 0).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn get_multiple(
        gc: *mut bindings::gpio_chip,
        mask: *mut c_ulong,
        bits: *mut c_ulong,
    ) -> c_int {
        // SAFETY: gpiolib calls this for a registered chip, with bitmaps of
        // `ngpio` bits: one `unsigned long` (64 bits) since `ngpio <= 64`.
        let (c, m) = unsafe { (Self::from_gc(gc), *mask as u64) };
        from_result(|| {
            let values = c.ops.get_multiple(m)?;
            // SAFETY: As above; gpiolib reads the bits under `mask` only.
            unsafe { *bits = ((*bits as u64 & !m) | (values & m)) as c_ulong };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn set_multiple(
        gc: *mut bindings::gpio_chip,
        mask: *mut c_ulong,
        bits: *mut c_ulong,
    ) -> c_int {
        // SAFETY: As in `get_multiple`.
        let (c, m, b) = unsafe { (Self::from_gc(gc), *mask as u64, *bits as u64) };
        from_result(|| c.ops.set_multiple(m, b).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn set_config(
        gc: *mut bindings::gpio_chip,
        offset: c_uint,
        config: c_ulong,
    ) -> c_int {
        // SAFETY: gpiolib calls this for a registered chip.
        let c = unsafe { Self::from_gc(gc) };
        from_result(|| {
            let config = LineConfig::from_packed(config).ok_or(ENOTSUPP)?;
            c.ops.set_config(offset, config).map(|()| 0)
        })
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn free(gc: *mut bindings::gpio_chip, offset: c_uint) {
        // SAFETY: gpiolib calls this for a registered chip.
        let c = unsafe { Self::from_gc(gc) };
        c.ops.free(offset);
    }

    /// # Safety
    ///
    /// Called by gpiolib only, for a chip added by [`Registration::new`].
    unsafe extern "C" fn init_valid_mask(
        gc: *mut bindings::gpio_chip,
        valid_mask: *mut c_ulong,
        _ngpios: c_uint,
    ) -> c_int {
        // SAFETY: gpiolib calls this for a chip being added, whose fields
        // are initialised; `valid_mask` has one `unsigned long` (ngpio <= 64).
        unsafe {
            let c = Self::from_gc(gc);
            *valid_mask = c.valid_mask as c_ulong;
        }
        0
    }

    /// # Safety
    ///
    /// Called by the irq core only, for an interrupt of a registered chip.
    unsafe extern "C" fn irq_mask(d: *mut bindings::irq_data) {
        // SAFETY: The irq core calls this for an interrupt of our chip.
        let (c, hwirq) = unsafe { Self::from_irq_data(d) };
        c.ops.irq_mask(hwirq);
        // SAFETY: `chip` is registered; gpiolib's bookkeeping for an
        // immutable irq chip's mask.
        unsafe { bindings::gpiochip_disable_irq(c.chip.get(), hwirq) };
    }

    /// # Safety
    ///
    /// Called by the irq core only, for an interrupt of a registered chip.
    unsafe extern "C" fn irq_unmask(d: *mut bindings::irq_data) {
        // SAFETY: The irq core calls this for an interrupt of our chip.
        let (c, hwirq) = unsafe { Self::from_irq_data(d) };
        // SAFETY: As in `irq_mask`.
        unsafe { bindings::gpiochip_enable_irq(c.chip.get(), hwirq) };
        c.ops.irq_unmask(hwirq);
    }

    /// # Safety
    ///
    /// Called by the irq core only, for an interrupt of a registered chip.
    unsafe extern "C" fn irq_set_type(d: *mut bindings::irq_data, ty: c_uint) -> c_int {
        // SAFETY: The irq core calls this for an interrupt of our chip.
        let (c, hwirq) = unsafe { Self::from_irq_data(d) };
        from_result(|| {
            let trigger = IrqTrigger::from_raw(ty).ok_or(EINVAL)?;
            c.ops.irq_set_type(hwirq, trigger).map(|()| 0)
        })
    }

    /// # Safety
    ///
    /// Called by the irq core only, for an interrupt of a registered chip.
    unsafe extern "C" fn irq_bus_lock(_d: *mut bindings::irq_data) {}

    /// # Safety
    ///
    /// Called by the irq core only, for an interrupt of a registered chip.
    unsafe extern "C" fn irq_bus_sync_unlock(d: *mut bindings::irq_data) {
        // SAFETY: The irq core calls this for an interrupt of our chip.
        let (c, _) = unsafe { Self::from_irq_data(d) };
        c.ops.irq_bus_sync_unlock();
    }
}

impl<T: GpioOps> Registration<T> {
    /// Registers a chip on `parent` whose operations are `ops`; `module`
    /// (the driver's) is pinned while a line is requested.
    pub fn new(
        parent: &device::Device<device::Bound>,
        module: &ThisModule,
        ops: Arc<T>,
        config: &ChipConfig<'_>,
    ) -> Result<Self> {
        if config.ngpio == 0 || config.ngpio > 64 {
            return Err(EINVAL);
        }
        if !config.names.is_empty() && config.names.len() != usize::from(config.ngpio) {
            return Err(EINVAL);
        }
        if config.irq && !(T::HAS_IRQ_SET_TYPE) {
            return Err(EINVAL);
        }
        let mut names = KVec::with_capacity(config.names.len(), GFP_KERNEL)?;
        for n in config.names {
            names.push(
                CString::try_from_fmt(fmt!("{}", kernel::str::BStr::from_bytes(n)))?,
                GFP_KERNEL,
            )?;
        }
        let mut name_ptrs = KVec::with_capacity(names.len(), GFP_KERNEL)?;
        for n in names.iter() {
            let p: *const c_char = if n.is_empty() {
                ptr::null()
            } else {
                n.as_char_ptr()
            };
            name_ptrs.push(p, GFP_KERNEL)?;
        }
        let label = CString::try_from_fmt(fmt!("{}", config.label))?;
        let chip = KBox::pin_init(
            pin_init!(Chip::<T> {
                chip: Opaque::zeroed(),
                irq_chip: Opaque::zeroed(),
                ops,
                valid_mask: config.valid_mask,
                label,
                names,
                name_ptrs,
                _pin: PhantomPinned,
            }),
            GFP_KERNEL,
        )?;
        let gc = chip.chip.get();
        let ic = chip.irq_chip.get();
        // SAFETY: `gc` and `ic` are zeroed C objects in pinned memory, not
        // yet shared with the kernel; these are the fields a driver fills
        // before `gpiochip_add_data()`. The pointers stored (label, names,
        // irq chip, parent) stay valid while the chip is registered: the
        // first three live in `chip`, the parent device is bound.
        unsafe {
            (*gc).label = chip.label.as_char_ptr();
            // `Device` is a transparent wrapper of `struct device`.
            (*gc).parent = ptr::from_ref(parent).cast_mut().cast();
            (*gc).owner = module.as_ptr();
            (*gc).base = -1;
            (*gc).ngpio = config.ngpio;
            (*gc).can_sleep = true;
            if !chip.name_ptrs.is_empty() {
                (*gc).names = chip.name_ptrs.as_ptr();
            }
            (*gc).get_direction = Some(Chip::<T>::get_direction);
            (*gc).direction_input = Some(Chip::<T>::direction_input);
            (*gc).direction_output = Some(Chip::<T>::direction_output);
            (*gc).get = Some(Chip::<T>::get);
            (*gc).set = Some(Chip::<T>::set);
            if T::HAS_GET_MULTIPLE {
                (*gc).get_multiple = Some(Chip::<T>::get_multiple);
            }
            if T::HAS_SET_MULTIPLE {
                (*gc).set_multiple = Some(Chip::<T>::set_multiple);
            }
            if T::HAS_SET_CONFIG {
                (*gc).set_config = Some(Chip::<T>::set_config);
            }
            if T::HAS_FREE {
                (*gc).free = Some(Chip::<T>::free);
            }
            (*gc).init_valid_mask = Some(Chip::<T>::init_valid_mask);
            if config.irq {
                (*ic).name = chip.label.as_char_ptr();
                (*ic).irq_mask = Some(Chip::<T>::irq_mask);
                (*ic).irq_unmask = Some(Chip::<T>::irq_unmask);
                (*ic).irq_set_type = Some(Chip::<T>::irq_set_type);
                (*ic).irq_bus_lock = Some(Chip::<T>::irq_bus_lock);
                (*ic).irq_bus_sync_unlock = Some(Chip::<T>::irq_bus_sync_unlock);
                (*ic).irq_request_resources = Some(bindings::gpiochip_irq_reqres);
                (*ic).irq_release_resources = Some(bindings::gpiochip_irq_relres);
                (*ic).flags =
                    (bindings::IRQCHIP_IMMUTABLE | bindings::IRQCHIP_SET_TYPE_MASKED) as c_ulong;
                (*gc).irq.chip = ic;
                (*gc).irq.handler = Some(bindings::handle_simple_irq);
                (*gc).irq.default_type = bindings::IRQ_TYPE_NONE;
                (*gc).irq.threaded = true;
            }
        }
        let (lock_key, request_key) = Self::irq_keys();
        // SAFETY: `gc` is filled above and pinned in `chip`, which the
        // registration owns; the data pointer is the chip itself, unused by
        // the callbacks (they find their `Chip` from `gc`). The keys are
        // static.
        to_result(unsafe {
            bindings::gpiochip_add_data_with_key(
                gc,
                gc.cast::<c_void>(),
                lock_key.as_ptr(),
                request_key.as_ptr(),
            )
        })?;
        Ok(Self { chip })
    }

    fn irq_keys() -> (Pin<&'static LockClassKey>, Pin<&'static LockClassKey>) {
        (kernel::static_lock_class!(), kernel::static_lock_class!())
    }

    /// The Linux irq number of line `offset`, if a consumer has mapped it.
    fn mapped_irq(&self, offset: u32) -> Option<c_uint> {
        let gc = self.chip.chip.get();
        let mut irq: c_uint = 0;
        // SAFETY: The chip is registered (type invariant), so its irq domain
        // is set up and alive; resolving a mapping only reads it.
        let found = unsafe {
            let domain = (*gc).irq.domain;
            !domain.is_null()
                && !bindings::__irq_resolve_mapping(domain, offset as c_ulong, &mut irq).is_null()
        };
        (found && irq != 0).then_some(irq)
    }

    /// Runs the handlers of line `offset`'s interrupt, if a consumer has
    /// mapped it. Process context (the chip's interrupts are nested).
    pub fn handle_nested_irq(&self, offset: u32) {
        if let Some(irq) = self.mapped_irq(offset) {
            // SAFETY: `irq` belongs to this registered chip and may be
            // handled from thread context because the chip's irqs are
            // nested (`threaded`).
            unsafe { bindings::handle_nested_irq(irq) };
        }
    }

    /// Whether [`Registration::handle_nested_irq`] would run handlers for
    /// line `offset`: its interrupt is mapped, requested and not disabled.
    /// `disable_irq` is lazy (the chip has no `irq_disable`): the line stays
    /// unmasked and a disabled interrupt that fires is only recorded as
    /// pending by the irq core, so a driver that re-arms the line in
    /// hardware after it fired must not do so for such an interrupt.
    pub fn irq_handled(&self, offset: u32) -> bool {
        let Some(irq) = self.mapped_irq(offset) else {
            return false;
        };
        // SAFETY: `irq` is a mapped interrupt of this registered chip.
        unsafe { nested_irq_handled(irq) }
    }
}

impl<T: GpioOps> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: The chip was added (type invariant); removing it waits for
        // callbacks in progress, after which none can start.
        unsafe { bindings::gpiochip_remove(self.chip.chip.get()) };
    }
}
