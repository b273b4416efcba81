// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only consumer of a level-triggered GPIO interrupt.
 *
 * Requests line @line of the GPIO chip labelled @chip as an input for
 * itself, maps its interrupt and requests it threaded with a level trigger
 * (high unless @low is set) and IRQF_ONESHOT. The handler only counts its
 * invocations. In /sys/kernel/debug/rpbridge_gpio_level_test/:
 *
 *   count    handler invocations since the module was loaded (read only)
 *   enabled  1 or 0; writing 0 calls disable_irq(), writing 1 enable_irq()
 *            (writing the current state does nothing)
 *
 * Unloading frees the interrupt and the line. Only for the test guest
 * (tools/tests/guest/t-15-gpio-level-irq.sh).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/machine.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>

static char *chip;
module_param(chip, charp, 0444);
MODULE_PARM_DESC(chip, "label of the GPIO chip");

static unsigned int line;
module_param(line, uint, 0444);
MODULE_PARM_DESC(line, "line offset on the chip");

static bool low;
module_param(low, bool, 0444);
MODULE_PARM_DESC(low, "trigger on a low level instead of a high one");

static struct gpio_device *gdev;
static struct gpio_desc *desc;
static int irq;
static atomic_t count = ATOMIC_INIT(0);
static struct dentry *dir;

/* Serialises writes to "enabled"; protects irq_enabled. */
static DEFINE_MUTEX(enable_lock);
static bool irq_enabled;

static irqreturn_t level_thread_fn(int irq, void *dev_id)
{
	atomic_inc(&count);
	return IRQ_HANDLED;
}

static int enabled_get(void *data, u64 *val)
{
	mutex_lock(&enable_lock);
	*val = irq_enabled;
	mutex_unlock(&enable_lock);
	return 0;
}

static int enabled_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	mutex_lock(&enable_lock);
	if (val && !irq_enabled)
		enable_irq(irq);
	else if (!val && irq_enabled)
		disable_irq(irq);
	irq_enabled = val;
	mutex_unlock(&enable_lock);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(enabled_fops, enabled_get, enabled_set, "%llu\n");

static int __init level_test_init(void)
{
	unsigned long flags;
	struct gpio_chip *gc;
	int ret;

	if (!chip) {
		pr_err("no chip label given (chip=LABEL)\n");
		return -EINVAL;
	}
	gdev = gpio_device_find_by_label(chip);
	if (!gdev) {
		pr_err("no GPIO chip labelled %s\n", chip);
		return -ENODEV;
	}
	gc = gpio_device_get_chip(gdev);
	if (!gc) {
		ret = -ENODEV;
		goto put_gdev;
	}
	desc = gpiochip_request_own_desc(gc, line, KBUILD_MODNAME,
					 GPIO_LOOKUP_FLAGS_DEFAULT, GPIOD_IN);
	if (IS_ERR(desc)) {
		ret = PTR_ERR(desc);
		pr_err("requesting line %u of %s failed: %d\n", line, chip, ret);
		goto put_gdev;
	}
	irq = gpiod_to_irq(desc);
	if (irq < 0) {
		ret = irq;
		pr_err("line %u of %s has no interrupt: %d\n", line, chip, ret);
		goto free_desc;
	}
	flags = (low ? IRQF_TRIGGER_LOW : IRQF_TRIGGER_HIGH) | IRQF_ONESHOT;
	ret = request_threaded_irq(irq, NULL, level_thread_fn, flags,
				   KBUILD_MODNAME, &count);
	if (ret) {
		pr_err("requesting irq %d failed: %d\n", irq, ret);
		goto free_desc;
	}
	irq_enabled = true;
	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_atomic_t("count", 0444, dir, &count);
	debugfs_create_file_unsafe("enabled", 0644, dir, NULL, &enabled_fops);
	pr_info("counting %s-level interrupts of %s line %u (irq %d)\n",
		low ? "low" : "high", chip, line, irq);
	return 0;

free_desc:
	gpiochip_free_own_desc(desc);
put_gdev:
	gpio_device_put(gdev);
	return ret;
}

static void __exit level_test_exit(void)
{
	/* No debugfs callback runs after this returns. */
	debugfs_remove_recursive(dir);
	if (!irq_enabled)
		enable_irq(irq);
	free_irq(irq, &count);
	gpiochip_free_own_desc(desc);
	gpio_device_put(gdev);
	pr_info("%d interrupts counted\n", atomic_read(&count));
}

module_init(level_test_init);
module_exit(level_test_exit);

MODULE_DESCRIPTION("rpbridge test: counts a level-triggered GPIO interrupt");
MODULE_LICENSE("GPL");
