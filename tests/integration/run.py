#!/usr/bin/python3
"""Run the integration tests (tests/integration/test_*.py) with unittest.

TESTS chooses the files (patterns separated by spaces; all by default).
Needs CRONOGRAMAD and CRONOCTL in the environment (the Makefile sets them).
Writes "integration passed failed" to $RESULTS/integration and prints the
same count as its last line.
"""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)

# TESTS: one or more file patterns, separated by spaces ("test_a.py test_b*.py").
suite = unittest.TestSuite()
for pattern in os.environ.get("TESTS", "test_*.py").split():
    suite.addTests(unittest.defaultTestLoader.discover(here, pattern=pattern,
                                                       top_level_dir=here))
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
passed = result.testsRun - failed - len(result.skipped)
results = os.environ.get("RESULTS")
if results:
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "integration"), "w") as f:
        f.write("integration %d %d\n" % (passed, failed))
print("integration: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
