"""etc/ carries a sample config and a sample policy generated from the registered defaults."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "etc/nova-lite/nova-lite-config-generator.conf"
SAMPLE = ROOT / "etc/nova-lite/nova-lite.conf.sample"
POLICY_GENERATOR = ROOT / "etc/nova-lite/nova-lite-policy-generator.conf"
POLICY_SAMPLE = ROOT / "etc/nova-lite/policy.yaml.sample"


def _generated(tool: str, config: pathlib.Path, output: pathlib.Path) -> str:
    """What the oslo ``tool`` writes with ``config``, sent to ``output`` instead."""
    subprocess.run(
        [
            str(pathlib.Path(sys.executable).with_name(tool)),
            "--config-file",
            str(config),
            "--output-file",
            str(output),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return output.read_text()


def test_sample_config_is_current(tmp_path):
    generated = _generated("oslo-config-generator", GENERATOR, tmp_path / "sample.conf")
    assert generated == SAMPLE.read_text(), (
        "etc/nova-lite/nova-lite.conf.sample is stale: run `bin/generate-samples`"
    )


def test_sample_policy_is_current(tmp_path):
    generated = _generated(
        "oslopolicy-sample-generator", POLICY_GENERATOR, tmp_path / "policy.yaml"
    )
    assert generated == POLICY_SAMPLE.read_text(), (
        "etc/nova-lite/policy.yaml.sample is stale: run `bin/generate-samples`"
    )


def test_every_option_has_help():
    from nova_lite.conf import opts

    for group, options in opts.list_opts():
        for option in options:
            assert option.help and len(option.help) > 10, f"[{group}] {option.name}"
