#!/usr/bin/env python3
"""Run the stratus client test suite.

    python3 tests/client/run_all.py            # everything, verbose
    python3 tests/client/run_all.py test_vpcs  # selected modules

Like `python3 -m unittest discover -s tests/client -v` from the repository root,
plus a closing table of the slowest modules. STRATUS_TEST_VMS=0 leaves out the
test classes that boot VMs (those marked by harness.skip_unless_vms), and
STRATUS_TEST_VMS=only runs only them: ctest runs the two parts side by side.
The server binary is build/stratus unless STRATUS_BIN is set. Each module starts
its own `stratus serve` on a free loopback port.
"""
import collections
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class TimedResult(unittest.TextTestResult):
    """A verbose result that also sums wall time per test module: each test is charged the
    time since the previous test ended, so class and module set-ups count (a module's
    tear-down is charged to the module after it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.module_seconds = collections.Counter()
        self._mark = time.monotonic()

    def stopTest(self, test):
        super().stopTest(test)
        now = time.monotonic()
        self.module_seconds[type(test).__module__] += now - self._mark
        self._mark = now


def selected(suite, keep):
    """The tests of `suite` (nested suites flattened per level) that `keep` accepts."""
    out = unittest.TestSuite()
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            inner = selected(item, keep)
            if inner.countTestCases():
                out.addTest(inner)
        elif keep(item):
            out.addTest(item)
    return out


def main(argv):
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if argv:
        suite = unittest.TestSuite(loader.loadTestsFromName(n) for n in argv)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    vms = os.environ.get("STRATUS_TEST_VMS")
    if vms in ("0", "only"):
        suite = selected(suite, lambda test: getattr(type(test), "boots_vms", False) == (vms == "only"))
    runner = unittest.TextTestRunner(verbosity=2, resultclass=TimedResult)
    started = time.monotonic()
    result = runner.run(suite)
    print("slowest modules (seconds):")
    for module, seconds in result.module_seconds.most_common(15):
        print("  %7.1f  %s" % (seconds, module))
    print("  %7.1f  in all" % (time.monotonic() - started))
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("%d passed, %d failed, %d skipped" % (passed, failed, len(result.skipped)))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
