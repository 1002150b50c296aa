"""etc/ carries a sample config generated from the registered options."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "etc/nova-lite/nova-lite-config-generator.conf"
SAMPLE = ROOT / "etc/nova-lite/nova-lite.conf.sample"


def test_sample_config_is_current(tmp_path):
    output = tmp_path / "sample.conf"
    tool = pathlib.Path(sys.executable).with_name("oslo-config-generator")
    subprocess.run(
        [str(tool), "--config-file", str(GENERATOR), "--output-file", str(output)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    assert output.read_text() == SAMPLE.read_text(), (
        "etc/nova-lite/nova-lite.conf.sample is stale: run `tox -e sample`"
    )


def test_every_option_has_help():
    from nova_lite.conf import opts

    for group, options in opts.list_opts():
        for option in options:
            assert option.help and len(option.help) > 10, f"[{group}] {option.name}"
