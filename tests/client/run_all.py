#!/usr/bin/env python3
"""Run the stratus client test suite.

    python3 tests/client/run_all.py            # everything, verbose
    python3 tests/client/run_all.py test_vpcs  # selected modules

Equivalent to `python3 -m unittest discover -s tests/client -v` from the
repository root. The server binary is build/stratus unless STRATUS_BIN is set.
Each module starts its own `stratus serve` on a free loopback port.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if argv:
        suite = unittest.TestSuite(loader.loadTestsFromName(n) for n in argv)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("%d passed, %d failed, %d skipped" % (passed, failed, len(result.skipped)))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
