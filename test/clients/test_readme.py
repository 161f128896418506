"""The README's snippets of "Using it from your migration tool" are the tested files.

Each snippet there follows a marker ``<!-- tested: PATH -->`` and must stand
verbatim in that file, which the other suites run; a snippet that no suite
can run (Piccolo's) follows ``<!-- not run: why -->``, a command's output
``<!-- output: what checks it -->``.  Needs no database.
"""

import os
import re
import unittest

import support

SECTION = "## Using it from your migration tool"


def section():
    with open(os.path.join(support.TOP, "README.md"), encoding="utf-8") as f:
        text = f.read()
    start = text.index(SECTION + "\n")
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end >= 0 else len(text)]


class ReadmeTest(unittest.TestCase):
    def test_every_snippet_is_marked(self):
        lines = section().split("\n")
        openings = []
        inside = False
        for i, line in enumerate(lines):
            if line.startswith("```"):
                if not inside:
                    openings.append(lines[i - 1])
                inside = not inside
        self.assertFalse(inside)
        self.assertGreaterEqual(len(openings), 6)
        for before in openings:
            self.assertRegex(before, r"^<!-- (tested: \S+|not run: .+|output: .+) -->$")

    def test_tested_snippets_are_the_files(self):
        found = re.findall(r"^<!-- tested: (\S+) -->\n```[a-z]*\n(.*?)^```$", section(), re.M | re.S)
        self.assertGreaterEqual(len(found), 6)
        for path, snippet in found:
            with self.subTest(path=path):
                with open(os.path.join(support.TOP, path), encoding="utf-8") as f:
                    self.assertIn(snippet, f.read())


if __name__ == "__main__":
    unittest.main()
