import subprocess
import sys


def test_engine_import_pulls_in_no_ui_library():
    code = (
        "import sys, dltui.engine\n"
        "from dltui.engine import Tensor, functional as F, nn, optim\n"
        "loaded = sorted(m for m in ('textual', 'rich', 'plotext') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
