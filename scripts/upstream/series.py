#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns this tree into commits on a clean Linux 7.3 git tree.

    series.py ROOT KERNEL-GIT-TREE

ROOT is this project's tree, the one source of truth; KERNEL-GIT-TREE is a
git work tree of clean Linux 7.3 with nothing uncommitted. Each entry of
PATCHES below becomes one commit there, in order: the shim's abstractions
as additions to rust/kernel/ (with their C helpers and bindings headers),
then the drivers in their subsystem directories with their Kconfig and
Makefile entries, then the documentation. Every commit carries its
MAINTAINERS entries, so each patch is complete on its own. Commit messages
are the files in scripts/upstream/messages/, named after the patch.

The code moves as it is; only paths change, by the rules in this file (the
shim's `kernel::` becomes `crate::`, `rpbridge_shim::<module>` becomes the
module's place in `kernel::`, the shim's C helpers become rust_helper_*
functions in rust/helpers/). Layout decisions: Documentation/adr/0008.
"""

import os
import re
import subprocess
import sys

ROOT = ''
KTREE = ''

# --- Where each shim module goes in the kernel crate -----------------------

# shim module -> (in-tree file, parent file, module name, cfg or None,
#                 path of the module from the kernel crate root)
SHIM_MODULES = {
    'work': ('rust/kernel/workqueue/owned.rs', 'rust/kernel/workqueue.rs',
             'owned', None, 'workqueue::owned'),
    'sysfs': ('rust/kernel/sysfs.rs', 'rust/kernel/lib.rs', 'sysfs', None,
              'sysfs'),
    'auxiliary': ('rust/kernel/auxiliary/bound.rs', 'rust/kernel/auxiliary.rs',
                  'bound', None, 'auxiliary::bound'),
    'usb': ('rust/kernel/usb/transfer.rs', 'rust/kernel/usb.rs', 'transfer',
            None, 'usb::transfer'),
    'usb/urb': ('rust/kernel/usb/transfer/urb.rs', None, None, None,
                'usb::transfer::urb'),
    'gpio': ('rust/kernel/gpio.rs', 'rust/kernel/lib.rs', 'gpio',
             'CONFIG_RUST_GPIO_CHIP_ABSTRACTIONS', 'gpio'),
    'i2c_adapter': ('rust/kernel/i2c/adapter.rs', 'rust/kernel/i2c.rs',
                    'adapter', None, 'i2c::adapter'),
    'spi': ('rust/kernel/spi.rs', 'rust/kernel/lib.rs', 'spi',
            'CONFIG_RUST_SPI_CONTROLLER_ABSTRACTIONS', 'spi'),
    'iio': ('rust/kernel/iio.rs', 'rust/kernel/lib.rs', 'iio',
            'CONFIG_RUST_IIO_ABSTRACTIONS', 'iio'),
}

# Kconfig symbols for abstractions of subsystems that may be modules (the
# kernel crate is built in, so it may only call them when they are built
# in), as CONFIG_RUST_PWM_ABSTRACTIONS does for kernel::pwm.
ABSTRACTION_KCONFIG = {
    'gpio': ('drivers/gpio/Kconfig', 'GPIOLIB_IRQCHIP', '''\
config RUST_GPIO_CHIP_ABSTRACTIONS
	bool
	depends on RUST && GPIOLIB
	select GPIOLIB_IRQCHIP
	help
	  Rust abstractions for GPIO chip providers: a gpio_chip, optionally
	  with an irq chip for a sleeping bus, whose operations a Rust driver
	  implements. Drivers that need them select this option; it has no
	  use on its own.
'''),
    'spi': ('drivers/spi/Kconfig', 'SPI_MEM', '''\
config RUST_SPI_CONTROLLER_ABSTRACTIONS
	bool
	depends on RUST && SPI_MASTER
	help
	  Rust abstractions for SPI controllers: a spi_controller whose
	  transfer_one_message a Rust driver implements, with devices added
	  at run time. Drivers that need them select this option; it has no
	  use on its own.
'''),
    'iio': ('drivers/iio/Kconfig', 'IIO_CONFIGFS', '''\
config RUST_IIO_ABSTRACTIONS
	bool
	depends on RUST && IIO=y
	select IIO_BUFFER
	select IIO_KFIFO_BUF
	select IIO_TRIGGERED_BUFFER
	help
	  Rust abstractions for IIO device providers: channels, raw and
	  processed reads, and kfifo or triggered buffers fed by a Rust
	  driver. Drivers that need them select this option; it has no use
	  on its own.
'''),
}

# Sections of rust-bindings-shim/helpers.c -> (rust/helpers file, includes,
# guard). A section starts with a comment naming the shim file it serves.
HELPER_FILES = {
    'usb/urb.rs': ('usb.c', ['linux/usb.h'], None),
    'gpio.rs': ('irq.c', ['linux/irq.h'], None),
    'spi.rs': ('spi.c', ['linux/spi/spi.h'], None),
    'iio.rs': ('iio.c', ['linux/iio/buffer.h', 'linux/iio/iio.h'],
               'CONFIG_RUST_IIO_ABSTRACTIONS'),
}

# --- The drivers ------------------------------------------------------------

# name -> (our dir, in-tree dir, Kconfig file, symbol, Kconfig text,
#          the Kconfig entry goes after this symbol's entry)
DRIVERS = {
    'core': ('rpbridge-core', 'drivers/usb/misc/rpbridge',
             'drivers/usb/misc/Kconfig', 'USB_RPBRIDGE', '''\
config USB_RPBRIDGE
	tristate "RPBridge USB I/O bridge"
	depends on USB && RUST
	select AUXILIARY_BUS
	help
	  Support for the RPBridge, an RP2040-class USB device that gives the
	  host GPIO, I2C, SPI, PWM and ADC lines. This driver owns the USB
	  transport and the wire protocol, asks the bridge what it has and
	  creates one auxiliary device per function, which the RPBridge
	  GPIO, I2C, SPI, PWM and ADC drivers bind.

	  To compile this driver as a module, choose M here: the module will
	  be called rpbridge-core.
''', 'USB_LJCA'),
    'gpio': ('rpbridge-gpio', 'drivers/gpio/rpbridge', 'drivers/gpio/Kconfig',
             'GPIO_RPBRIDGE', '''\
config GPIO_RPBRIDGE
	tristate "RPBridge USB I/O bridge GPIO support"
	depends on USB_RPBRIDGE
	select RUST_GPIO_CHIP_ABSTRACTIONS
	help
	  Select this option to expose the GPIO lines of an RPBridge USB I/O
	  bridge as a gpio_chip, with interrupts on every edge and level from
	  the bridge's events.

	  This driver can also be built as a module. If so, the module will
	  be called rpbridge-gpio.
''', 'GPIO_MPSSE'),
    'i2c': ('rpbridge-i2c', 'drivers/i2c/busses/rpbridge',
            'drivers/i2c/busses/Kconfig', 'I2C_RPBRIDGE', '''\
config I2C_RPBRIDGE
	tristate "RPBridge USB I/O bridge I2C support"
	depends on USB_RPBRIDGE && I2C=y
	help
	  Select this option to expose the I2C buses of an RPBridge USB I/O
	  bridge as I2C adapters, usable through i2c-dev and by the kernel's
	  I2C client drivers.

	  This driver can also be built as a module. If so, the module will
	  be called rpbridge-i2c.
''', 'I2C_ROBOTFUZZ_OSIF'),
    'spi': ('rpbridge-spi', 'drivers/spi/rpbridge', 'drivers/spi/Kconfig',
            'SPI_RPBRIDGE', '''\
config SPI_RPBRIDGE
	tristate "RPBridge USB I/O bridge SPI support"
	depends on USB_RPBRIDGE
	select RUST_SPI_CONTROLLER_ABSTRACTIONS
	help
	  Select this option to expose the SPI buses of an RPBridge USB I/O
	  bridge as SPI controllers; devices are added through the
	  controller's new_device file or the module's parameters.

	  This driver can also be built as a module. If so, the module will
	  be called rpbridge-spi.
''', 'SPI_ROCKCHIP_SFC'),
    'pwm': ('rpbridge-pwm', 'drivers/pwm/rpbridge', 'drivers/pwm/Kconfig',
            'PWM_RPBRIDGE', '''\
config PWM_RPBRIDGE
	tristate "RPBridge USB I/O bridge PWM support"
	depends on USB_RPBRIDGE
	select RUST_PWM_ABSTRACTIONS
	help
	  Select this option to expose the PWM channels of an RPBridge USB
	  I/O bridge as a pwm_chip, with the RP2040 divider's rounding.

	  To compile this driver as a module, choose M here: the module
	  will be called rpbridge-pwm.
''', 'PWM_ROCKCHIP'),
    'iio': ('rpbridge-iio', 'drivers/iio/adc/rpbridge', 'drivers/iio/adc/Kconfig',
            'RPBRIDGE_ADC', '''\
config RPBRIDGE_ADC
	tristate "RPBridge USB I/O bridge ADC support"
	depends on USB_RPBRIDGE
	select RUST_IIO_ABSTRACTIONS
	help
	  Select this option to expose the ADC of an RPBridge USB I/O bridge
	  as an IIO device, with raw reads and buffered capture from the
	  bridge's own sampling or from an IIO trigger.

	  This driver can also be built as a module. If so, the module will
	  be called rpbridge-iio.
''', 'ROCKCHIP_SARADC'),
}

MAINTAINERS_HEAD = 'RPBRIDGE USB I/O BRIDGE'


def run(*cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd or KTREE, check=True)


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def kpath(rel):
    return os.path.join(KTREE, rel)


# --- Rust source rewriting --------------------------------------------------

def drop_helper_externs(text):
    """Removes the extern "C" blocks that declare helpers.c's functions, with
    the comment and attribute lines just above them, and calls the
    kernel's rust_helper_* bindings instead."""
    lines = text.split('\n')
    out = []
    i = 0
    while i < len(lines):
        if lines[i] == 'extern "C" {':
            end = lines.index('}', i)
            block = '\n'.join(lines[i:end])
            if 'rpbridge_helper_' in block:
                while out and (out[-1].startswith('//') or out[-1].startswith('#[')):
                    out.pop()
                i = end + 1
                if i < len(lines) and lines[i] == '' and out and out[-1] == '':
                    i += 1
                continue
        out.append(lines[i])
        i += 1
    text = '\n'.join(out)
    text = re.sub(r'\brpbridge_helper_(\w+)', r'bindings::\1', text)
    return drop_unused_ffi_imports(text)


def drop_unused_ffi_imports(text):
    """C types that only the dropped extern blocks used leave their imports."""
    for name in sorted(set(re.findall(r'\bc_[a-z]+\b', text))):
        if len(re.findall(r'\b%s\b' % name, text)) != 1:
            continue
        for use in re.finditer(r'^use [^;]*;', text, re.M):
            if not re.search(r'\b%s\b' % name, use.group(0)):
                continue
            block = use.group(0)
            for pat in (r'\n[ \t]*ffi::%s,[^\n]*' % name,  # `    ffi::c_void,`
                        r'\n[ \t]*%s,[ \t]*(?=\n)' % name,  # a line of a group
                        r'\b%s,[ \t]*' % name,  # `{a, NAME, b}`
                        r',[ \t]*%s\b' % name):  # `{a, NAME}`
                new = re.sub(pat, '', block, count=1)
                if new != block:
                    text = text[:use.start()] + new + text[use.end():]
                    break
            break
    return text


def rewrite_macros(text):
    """Inside macro_rules! bodies, kernel paths are $crate paths."""
    def fix(m):
        body = re.sub(r'(?<![\w$])kernel::', '$crate::', m.group(0))
        for mod, spec in SHIM_MODULES.items():
            body = body.replace('$crate::%s::' % mod, '$crate::%s::' % spec[4])
        return body
    return re.sub(r'macro_rules! \w+ \{.*?\n\}', fix, text, flags=re.S)


def drop_out_of_tree_remarks(text):
    """Drops comment paragraphs that begin "Out of tree:" (remarks that
    only hold for the shim crate), with the blank comment line above."""
    lines = text.split('\n')
    out = []
    i = 0
    while i < len(lines):
        m = re.match(r'(\s*//[/!]?) Out of tree:', lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        prefix = m.group(1)
        i += 1
        while i < len(lines) and lines[i].startswith(prefix + ' '):
            i += 1
        if out and out[-1] == prefix and (i >= len(lines) or lines[i] == prefix
                                           or not lines[i].startswith(prefix)):
            out.pop()
        if not out or not out[-1].lstrip().startswith('//'):
            # A whole `//` comment went: drop the blank line it leaves.
            if i < len(lines) and lines[i] == '' and out and out[-1] == '':
                i += 1
    return '\n'.join(out)


def shim_to_kernel(text):
    text = drop_out_of_tree_remarks(text)
    text = drop_helper_externs(text)
    text = rewrite_macros(text)
    # A shim module's path from the shim crate's root (`crate::work::`) is
    # its path from the kernel crate's root.
    for mod, spec in SHIM_MODULES.items():
        if '/' not in mod:
            text = re.sub(r'(?<![\w$])crate::%s::' % mod,
                          'crate::%s::' % spec[4], text)
    return re.sub(r'(?<![\w$])kernel::', 'crate::', text)


def map_shim_path(path):
    """`a::b::c` (relative to rpbridge_shim) -> the same in kernel::."""
    head, sep, rest = path.partition('::')
    if head == 'usb' and rest.startswith('urb'):
        return 'usb::transfer::' + rest
    if head in SHIM_MODULES:
        return SHIM_MODULES[head][4] + sep + rest
    return path


def rewrite_shim_uses(text):
    """`rpbridge_shim::...` paths in a driver -> `kernel::...`."""
    out = []
    i = 0
    key = 'rpbridge_shim::'
    while True:
        j = text.find(key, i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = j + len(key)
        if text[k] == '{':
            depth = 0
            end = k
            while True:
                if text[end] == '{':
                    depth += 1
                elif text[end] == '}':
                    depth -= 1
                    if depth == 0:
                        break
                end += 1
            group = text[k + 1:end]
            items = split_top(group)
            mapped = []
            for item in items:
                stripped = item.strip()
                if not stripped:
                    mapped.append(item)
                    continue
                lead = item[:len(item) - len(item.lstrip())]
                trail = item[len(item.rstrip()):]
                mapped.append(lead + map_use_tree(stripped) + trail)
            out.append('kernel::{' + ','.join(mapped) + '}')
            i = end + 1
        else:
            m = re.match(r'[\w:]+', text[k:])
            tail = text[k + m.end():k + m.end() + 2]
            path = m.group(0)
            if path.endswith('::') and tail.startswith('{'):
                # `rpbridge_shim::gpio::{...}`: map the module part.
                out.append('kernel::' + map_shim_path(path[:-2]) + '::')
            else:
                out.append('kernel::' + map_shim_path(path))
            i = k + m.end()
    return ''.join(out)


def split_top(group):
    items, depth, cur = [], 0, ''
    for ch in group:
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
        if ch == ',' and depth == 0:
            items.append(cur)
            cur = ''
        else:
            cur += ch
    items.append(cur)
    return items


def map_use_tree(item):
    m = re.match(r'(\w+)(.*)', item, re.S)
    if not m:
        return item
    head, rest = m.group(1), m.group(2)
    if rest.startswith('::'):
        inner = rest[2:]
        if head == 'usb' and inner.startswith('urb'):
            return 'usb::transfer::' + inner
        if head in SHIM_MODULES:
            return SHIM_MODULES[head][4] + rest
    elif head in SHIM_MODULES and SHIM_MODULES[head][4] != head:
        return '%s as %s' % (SHIM_MODULES[head][4], head) + rest
    return item


def driver_source(text):
    text = drop_out_of_tree_remarks(text)
    text = rewrite_shim_uses(text)
    # The codec's sources sit next to the core in-tree (protocol/), not in
    # a separate user-space crate's src/.
    return text.replace('#[path = "protocol/src/lib.rs"]', '#[path = "protocol/lib.rs"]')


def rustfmt(paths):
    if paths:
        run('rustfmt', '--edition', '2021', '--config-path',
            kpath('.rustfmt.toml'), *paths)


# --- Adding to existing kernel files ----------------------------------------

def add_mod_line(parent, name, cfg):
    text = read(kpath(parent))
    decl = ('#[cfg(%s)]\n' % cfg if cfg else '') + 'pub mod %s;\n' % name
    lines = text.split('\n')
    mods = [i for i, l in enumerate(lines) if re.match(r'pub mod \w+;$', l)]
    if mods:
        # Alphabetical place among the existing `pub mod` lines.
        at = None
        for i in mods:
            if re.match(r'pub mod (\w+);', lines[i]).group(1) > name:
                at = i
                while at > 0 and lines[at - 1].startswith('#['):
                    at -= 1
                break
        if at is None:
            at = mods[-1] + 1
        lines[at:at] = decl.rstrip('\n').split('\n')
    else:
        # After the module's `//!` documentation.
        last = max(i for i, l in enumerate(lines) if l.startswith('//!'))
        lines[last + 1:last + 1] = [''] + decl.rstrip('\n').split('\n')
    write(kpath(parent), '\n'.join(lines))


def add_include(path, header):
    """Adds `#include <header>` in sorted place among the includes."""
    lines = read(kpath(path)).split('\n')
    inc = '#include <%s>' % header
    if inc in lines:
        return
    idx = [i for i, l in enumerate(lines) if l.startswith('#include <linux/')]
    at = idx[-1] + 1
    for i in idx:
        if lines[i] > inc:
            at = i
            break
    lines.insert(at, inc)
    write(kpath(path), '\n'.join(lines))


# --- C helpers ---------------------------------------------------------------

def helper_sections():
    """helpers.c's functions, by the shim file they serve."""
    text = read(os.path.join(ROOT, 'rust-bindings-shim/helpers.c'))
    sections = {}
    for m in re.finditer(r'/\* [^(]*\(rust-bindings-shim/([\w/.]+)\)\. \*/\n(.*?)(?=\n/\* |\Z)',
                         text, re.S):
        sections[m.group(1)] = re.findall(r'\n?(\w[^\n]*\n(?:[^\n]+\n)*?\{\n.*?\n\})',
                                          m.group(2), re.S)
    return sections


def wrap_signature(prefix, params):
    """`prefix(param, param, ...)` in lines of at most 80 columns, the
    continuation lines aligned with the open parenthesis."""
    col = len(prefix.expandtabs(8))
    indent = '\t' * (col // 8) + ' ' * (col % 8)
    lines, cur = [], prefix
    for n, p in enumerate(params):
        piece = p + (', ' if n < len(params) - 1 else ')')
        if len((cur + piece.rstrip()).expandtabs(8)) > 80 and cur not in (prefix, indent):
            lines.append(cur.rstrip())
            cur = indent
        cur += piece
    lines.append(cur)
    return '\n'.join(lines)


def kernel_helper(func):
    """One helpers.c function as a rust/helpers entry."""
    sig, body = func.split('{', 1)
    sig = ' '.join(sig.split())
    m = re.match(r'(.*?)\brpbridge_helper_(\w+)\((.*)\)$', sig)
    ret, name, params = m.group(1), m.group(2), [p.strip() for p in m.group(3).split(',')]
    ret = ret.strip()
    sep = '' if ret.endswith('*') else ' '
    head = '__rust_helper %s%srust_helper_%s(' % (ret, sep, name)
    if len(wrap_signature(head, params).split('\n')) > 1:
        first = '__rust_helper %s\n' % ret
        return first + wrap_signature('rust_helper_%s(' % name, params) + '\n{' + body
    return wrap_signature(head, params) + '\n{' + body


def add_helpers(shim_file):
    fname, includes, guard = HELPER_FILES[shim_file]
    funcs = helper_sections()[shim_file]
    path = 'rust/helpers/' + fname
    existing = read(kpath(path)) if os.path.exists(kpath(path)) else None
    entries = []
    for f in funcs:
        name = re.search(r'rpbridge_helper_(\w+)', f).group(1)
        if existing and re.search(r'\brust_helper_%s\(' % name, existing):
            continue
        entries.append(kernel_helper(f))
    body = '\n\n'.join(entries) + '\n'
    if existing is None:
        text = '// SPDX-License-Identifier: GPL-2.0\n\n'
        text += ''.join('#include <%s>\n' % h for h in includes) + '\n'
        if guard:
            text += '#ifdef %s\n\n' % guard + body + '\n#endif\n'
        else:
            text += body
        write(kpath(path), text)
        lines = read(kpath('rust/helpers/helpers.c')).split('\n')
        inc = '#include "%s"' % fname
        idx = [i for i, l in enumerate(lines) if re.match(r'#include "[\w./-]+\.c"$', l)]
        at = next((i for i in idx if lines[i] > inc), idx[-1] + 1)
        lines.insert(at, inc)
        write(kpath('rust/helpers/helpers.c'), '\n'.join(lines))
    else:
        for h in includes:
            add_include(path, h)
        write(kpath(path), read(kpath(path)).rstrip('\n') + '\n\n' + body)


def add_bindings_headers(shim_file):
    """The shim's bindings_helper.h lines that `shim_file` needs."""
    want = {
        'spi.rs': ['linux/spi/spi.h'],
        'iio.rs': [h for h in re.findall(r'#include <(linux/iio/[\w./]+)>', read(
            os.path.join(ROOT, 'rust-bindings-shim/bindings/bindings_helper.h')))],
        'gpio.rs': ['linux/gpio/driver.h', 'linux/irq.h'],
    }.get(shim_file, [])
    for h in want:
        add_include('rust/bindings/bindings_helper.h', h)


# --- MAINTAINERS ------------------------------------------------------------

def our_maintainers():
    """Our MAINTAINERS file's entries: title -> lines."""
    text = read(os.path.join(ROOT, 'MAINTAINERS'))
    entries = {}
    for block in text.split('\n\n'):
        lines = block.strip('\n').split('\n')
        if lines and lines[0].startswith(MAINTAINERS_HEAD):
            entries[lines[0]] = lines[1:]
    return entries


def set_maintainers_entry(title, files):
    """Adds or updates MAINTAINERS entry `title` with F: `files`, its M:, L:
    and S: lines taken from our entry of the same title."""
    ours = our_maintainers()[title]
    head = [l for l in ours if not l.startswith('F:')]
    path = kpath('MAINTAINERS')
    text = read(path)
    blocks = text.split('\n\n')
    old_files = []
    for n, b in enumerate(blocks):
        if b.split('\n')[0] == title:
            old_files = [l[3:] for l in b.split('\n') if l.startswith('F:')]
            del blocks[n]
            break
    allf = sorted(set(old_files) | set(files))
    entry = '\n'.join([title] + head + ['F:\t' + f for f in allf])
    # Entries are sorted by title after the "Maintainers List" heading.
    start = next(n for n, b in enumerate(blocks) if '\n3C59X NETWORK DRIVER' in '\n' + b or b.startswith('3C59X'))
    at = len(blocks)
    for n in range(start, len(blocks)):
        t = blocks[n].lstrip('\n').split('\n')[0]
        if t > title and not t.startswith('THE REST'):
            at = n
            break
    blocks.insert(at, entry)
    write(path, '\n\n'.join(blocks))


# --- The patches -------------------------------------------------------------

def shim_module(mod):
    """Adds shim module `mod` (and its urb child for usb) to the kernel."""
    dest, parent, name, cfg, _ = SHIM_MODULES[mod]
    src = os.path.join(ROOT, 'rust-bindings-shim', mod + '.rs')
    write(kpath(dest), shim_to_kernel(read(src)))
    files = [dest]
    if parent:
        add_mod_line(parent, name, cfg)
    if mod == 'usb':
        urb_dest = SHIM_MODULES['usb/urb'][0]
        write(kpath(urb_dest), shim_to_kernel(read(os.path.join(ROOT, 'rust-bindings-shim/usb/urb.rs'))))
        files.append(urb_dest)
        add_helpers('usb/urb.rs')
    if mod + '.rs' in HELPER_FILES:
        add_helpers(mod + '.rs')
        hf = 'rust/helpers/' + HELPER_FILES[mod + '.rs'][0]
        if hf not in ('rust/helpers/irq.c', 'rust/helpers/usb.c'):
            files.append(hf)
    add_bindings_headers(mod + '.rs')
    if mod in ABSTRACTION_KCONFIG:
        kc, before, text = ABSTRACTION_KCONFIG[mod]
        add_kconfig_after(kc, before, text)
    rustfmt([kpath(f) for f in files if f.endswith('.rs')])
    set_maintainers_entry(MAINTAINERS_HEAD + ' RUST ABSTRACTIONS', files)


def add_kconfig_after(path, after, text):
    """Inserts a Kconfig entry after the entry of symbol `after`."""
    lines = read(kpath(path)).split('\n')
    at = lines.index('config ' + after) + 1
    while at < len(lines) and not re.match(r'(config|menuconfig|menu|endmenu|if|endif|source|comment|choice)\b', lines[at]):
        at += 1
    while lines[at - 1] == '':
        at -= 1
    lines[at:at] = [''] + text.rstrip('\n').split('\n')
    write(kpath(path), '\n'.join(lines))


def driver_files(name):
    ours, dest = DRIVERS[name][0], DRIVERS[name][1]
    out = []
    for dirpath, dirs, files in os.walk(os.path.join(ROOT, ours)):
        rel = os.path.relpath(dirpath, os.path.join(ROOT, ours))
        if rel.startswith('protocol'):
            if not (rel == 'protocol/src' or rel.startswith('protocol/src/')):
                continue
            rel = 'protocol' + rel[len('protocol/src'):]
        for f in files:
            if f.endswith('.rs') or (f.endswith('.c') and 'exports' in f):
                out.append((os.path.join(dirpath, f), os.path.normpath(os.path.join(dest, rel, f))))
    return sorted(out)


def makefile_block(children):
    """drivers/Makefile lines building rpbridge-core and `children`."""
    core = 'usb/misc/rpbridge'
    objs = ['%s/rpbridge_%s.o' % (DRIVERS[c][1][len('drivers/'):], c) for c in children]
    lines = [
        '',
        '# The RPBridge drivers (drivers/usb/misc/rpbridge/ and one per',
        "# subsystem) import rpbridge-core's Rust crate, so they are all built",
        '# here, where that dependency is a plain Make prerequisite, as',
        '# drivers/gpu/Makefile builds nova-core and nova-drm.',
        'obj-$(CONFIG_USB_RPBRIDGE)\t+= rpbridge-core.o',
        'rpbridge-core-y := %s/rpbridge_core.o %s/rpbridge_core_exports.o' % (core, core),
    ]
    for c, o in zip(children, objs):
        lines += ['obj-$(CONFIG_%s)\t+= rpbridge-%s.o' % (DRIVERS[c][3], c),
                  'rpbridge-%s-y := %s' % (c, o)]
    deps = ' '.join('$(if $(CONFIG_%s),$(obj)/%s)' % (DRIVERS[c][3], o) for c, o in zip(children, objs))
    lines += [
        '',
        '# Export the Rust symbols of rpbridge-core that its function drivers use.',
        'rpbridge-core-export-deps := %s' % deps if children else 'rpbridge-core-export-deps :=',
        '',
        'quiet_cmd_rpbridge_exports = EXPORTS $@',
        '      cmd_rpbridge_exports = \\',
        '\t$(call rust_needed_exports,$<,$(rpbridge-core-export-deps)) > $@',
        '',
        '$(obj)/%s/exports_rpbridge_core_generated.h: $(obj)/%s/rpbridge_core.o \\' % (core, core),
        '\t\t$(rpbridge-core-export-deps) FORCE',
        '\t$(call if_changed,rpbridge_exports)',
        '',
        'targets += %s/exports_rpbridge_core_generated.h' % core,
        '',
        '$(obj)/%s/rpbridge_core_exports.o: $(obj)/%s/exports_rpbridge_core_generated.h' % (core, core),
        'CFLAGS_%s/rpbridge_core_exports.o := -I $(objtree)/$(obj)/%s' % (core, core),
        'RUSTFLAGS_%s/rpbridge_core.o += \\' % core,
        '\t--emit=metadata=$(objtree)/$(obj)/%s/librpbridge_core.rmeta' % core,
    ]
    for o in objs:
        lines += ['$(obj)/%s: $(obj)/%s/rpbridge_core.o' % (o, core),
                  'RUSTFLAGS_%s := -L $(objtree)/$(obj)/%s --extern rpbridge_core' % (o, core)]
    return '\n'.join(lines) + '\n'


RUST_NEEDED_EXPORTS = '''
# The Rust symbols of object $(1) that objects $(2) use, each as a
# declaration and an EXPORT_SYMBOL_GPL() (the C file has no macro for it,
# which checkpatch would reject).
rust_needed_exports = \\
	{ $(if $(strip $(2)),$(NM) -u $(2);,) echo "__DEFINED_RUST_SYMBOLS__"; \\
	  $(NM) -p --defined-only $(1); } | \\
	awk ' \\
		/^__DEFINED_RUST_SYMBOLS__$$/ { defs = 1; next } \\
		!defs { if ($$NF ~ /^_R/) needed[$$NF] = 1; next } \\
		defs && $$2 ~ /(T|R|D|B)/ && $$3 ~ /^_R/ && \\
			$$3 !~ /_(init|cleanup)_module$$/ && \\
			$$3 !~ /__(pfx|cfi|odr_asan)/ && \\
			$$3 in needed { printf "extern int %s;\\nEXPORT_SYMBOL_GPL(%s);\\n", $$3, $$3 } \\
	'
'''

BLOCK_START = '\n# The RPBridge drivers'


def set_makefile(children):
    path = kpath('drivers/Makefile')
    text = read(path)
    at = text.find(BLOCK_START)
    if at >= 0:
        text = text[:at]
        text = text.rstrip('\n') + '\n'
    write(path, text + makefile_block(children) + RUST_NEEDED_EXPORTS)


def driver(name, children):
    files = []
    for src, dest in driver_files(name):
        text = read(src)
        if dest.endswith('.rs'):
            text = driver_source(text)
        write(kpath(dest), text)
        files.append(dest)
    rustfmt([kpath(f) for f in files if f.endswith('.rs')])
    _, dest, kconfig, _, ktext, after = DRIVERS[name]
    add_kconfig_after(kconfig, after, ktext)
    set_makefile(children)
    title = {
        'core': 'CORE DRIVER', 'gpio': 'GPIO DRIVER', 'i2c': 'I2C DRIVER',
        'spi': 'SPI DRIVER', 'pwm': 'PWM DRIVER', 'iio': 'ADC DRIVER',
    }[name]
    set_maintainers_entry(MAINTAINERS_HEAD + ' ' + title, [dest + '/'])


DOCS = ['user-guide.rst', 'protocol.rst', 'iio.rst']


def documentation():
    d = 'Documentation/usb/rpbridge'
    index = ['.. SPDX-License-Identifier: GPL-2.0', '',
             '========================', 'RPBridge USB I/O bridge', '========================',
             '', '.. toctree::', '   :maxdepth: 1', '']
    for f in DOCS:
        write(kpath(os.path.join(d, f)), read(os.path.join(ROOT, 'Documentation', f)))
        index.append('   ' + f[:-4])
    write(kpath(d + '/index.rst'), '\n'.join(index) + '\n')
    lines = read(kpath('Documentation/usb/index.rst')).split('\n')
    at = lines.index('    raw-gadget') + 1
    lines.insert(at, '    rpbridge/index')
    write(kpath('Documentation/usb/index.rst'), '\n'.join(lines))
    set_maintainers_entry(MAINTAINERS_HEAD + ' CORE DRIVER', [d + '/'])


PATCHES = [
    ('rust-workqueue-owned-work', lambda: shim_module('work')),
    ('rust-sysfs-attribute-groups', lambda: shim_module('sysfs')),
    ('rust-auxiliary-bound-device', lambda: shim_module('auxiliary')),
    ('rust-usb-transfers', lambda: shim_module('usb')),
    ('rust-gpio-chip', lambda: shim_module('gpio')),
    ('rust-i2c-adapter', lambda: shim_module('i2c_adapter')),
    ('rust-spi-controller', lambda: shim_module('spi')),
    ('rust-iio-device', lambda: shim_module('iio')),
    ('usb-misc-rpbridge-core', lambda: driver('core', [])),
    ('gpio-rpbridge', lambda: driver('gpio', ['gpio'])),
    ('i2c-rpbridge', lambda: driver('i2c', ['gpio', 'i2c'])),
    ('spi-rpbridge', lambda: driver('spi', ['gpio', 'i2c', 'spi'])),
    ('pwm-rpbridge', lambda: driver('pwm', ['gpio', 'i2c', 'spi', 'pwm'])),
    ('iio-adc-rpbridge', lambda: driver('iio', ['gpio', 'i2c', 'spi', 'pwm', 'iio'])),
    ('docs-usb-rpbridge', documentation),
]


def main():
    global ROOT, KTREE
    ROOT, KTREE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    msgdir = os.path.join(ROOT, 'scripts/upstream/messages')
    for name, make in PATCHES:
        make()
        run('git', 'add', '-A', '-f')
        run('git', 'commit', '-q', '-s', '-F', os.path.join(msgdir, name + '.txt'))
        print('series: committed', name)


if __name__ == '__main__':
    main()
