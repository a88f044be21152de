"""``huizhen import``: typer's CliRunner in process, and the installed script as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pydicom
from typer.testing import CliRunner

from samples import SamplePaths
from server.cases.cli import store_root
from server.cases.store import Access, StudyStore
from server.cli import app

HUIZHEN = Path(sys.executable).parent / "huizhen"


def test_import_folder_reports_and_exits_zero(samples: SamplePaths, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(samples.ct_dir), "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"new instances: {len(samples.ct_files)}" in result.output
    assert "Synthetic^CT" in result.output
    store = StudyStore(store_root(tmp_path))
    assert store.studies()[0].instance_count == len(samples.ct_files)
    again = CliRunner().invoke(app, ["import", str(samples.ct_dir), "--data-dir", str(tmp_path)])
    assert again.exit_code == 0
    assert f"already stored: {len(samples.ct_files)}" in again.output


def test_bad_input_is_listed_and_exits_non_zero(samples: SamplePaths, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00junk" * 10)
    args = ["import", str(samples.mr), str(junk), "--data-dir", str(tmp_path / "data")]
    # Wide enough that rich does not fold the long temporary path across table rows.
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert "not_dicom" in result.output and "junk.bin" in result.output
    assert "new instances: 1" in result.output


def test_room_without_server_only_imports(samples: SamplePaths, tmp_path: Path) -> None:
    args = ["import", str(samples.mr), "--room", "demo", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "not attached" in result.output
    (study,) = StudyStore(store_root(tmp_path)).studies()
    assert StudyStore(store_root(tmp_path)).rooms_of(study.study_uid) == {"demo": Access.OWNER}


def test_studies_commands_name_owners_and_shares(samples: SamplePaths, tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["import", str(samples.mr), "--data-dir", str(tmp_path)])
    (study,) = (s.study_uid for s in StudyStore(store_root(tmp_path)).studies())

    def run(*args: str) -> tuple[int, str]:
        argv = ["studies", *args, "--data-dir", str(tmp_path)]
        result = CliRunner().invoke(app, argv, env={"COLUMNS": "400"})  # no folded lines
        return result.exit_code, result.output

    assert run("rooms", study) == (0, f"{study}: unowned (only the API key reaches it)\n")
    assert run("own", study, "radiology")[0] == 0
    assert run("share", study, "cardiology")[0] == 0
    assert run("rooms", study) == (0, "cardiology\tshared\nradiology\towner\n")
    assert run("unshare", study, "cardiology")[0] == 0
    assert run("unshare", study, "cardiology")[0] == 1
    assert run("share", "1.2.3.4", "cardiology")[0] == 1  # not in the store
    assert StudyStore(store_root(tmp_path)).rooms_of(study) == {"radiology": Access.OWNER}


def test_max_file_size_option(samples: SamplePaths, tmp_path: Path) -> None:
    args = ["import", str(samples.mr), "--max-file-size", "1000", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "too_large" in result.output


def test_installed_script_in_a_subprocess(samples: SamplePaths, tmp_path: Path) -> None:
    env = {**os.environ, "HUIZHEN_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    done = subprocess.run(
        [str(HUIZHEN), "import", str(samples.radiograph), str(samples.mr)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "new instances: 2" in done.stdout
    assert len(StudyStore(store_root(tmp_path)).studies()) == 2


def test_deidentify_option_makes_teaching_copies(samples: SamplePaths, tmp_path: Path) -> None:
    args = ["import", str(samples.mr), "--deidentify", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "de-identified copy of" in result.output
    studies = StudyStore(store_root(tmp_path)).studies()
    assert sorted(s.deidentified_from is not None for s in studies) == [False, True]


def test_deidentify_holds_back_burned_in_text_until_redacted(
    samples: SamplePaths, tmp_path: Path
) -> None:
    ds = pydicom.dcmread(samples.radiograph)
    ds.BurnedInAnnotation = "YES"
    burned = tmp_path / "burned.dcm"
    ds.save_as(burned, enforce_file_format=True)
    args = ["import", str(burned), "--deidentify", "--data-dir", str(tmp_path / "d")]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "burned_in_annotation" in refused.output
    assert "held back" in refused.output
    bad = CliRunner().invoke(app, [*args, "--redact", f"{ds.SeriesInstanceUID}=1,2,3"])
    assert bad.exit_code == 2 and "--redact" in bad.output
    redact = f"{ds.SeriesInstanceUID}=0,0,64,16;0,100,32,8"
    allowed = CliRunner().invoke(app, [*args, "--redact", redact, "--dates", "full"])
    assert allowed.exit_code == 0, allowed.output
    assert f"redacted {ds.SOPInstanceUID}" in allowed.output.replace("\n", "")
    (copy,) = [s for s in StudyStore(store_root(tmp_path / "d")).studies() if s.deidentified_from]
    assert copy.study_date == ds.StudyDate  # --dates full keeps them


def test_deidentify_command(samples: SamplePaths, tmp_path: Path) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(app, ["import", str(samples.mr), "--data-dir", str(tmp_path)]).exit_code == 0
    )
    mr = pydicom.dcmread(samples.mr, stop_before_pixels=True)
    args = ["deidentify", str(mr.StudyInstanceUID), "--data-dir", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (copy,) = [s for s in StudyStore(store_root(tmp_path)).studies() if s.deidentified_from]
    assert copy.study_uid in result.output.replace("\n", "")
    unknown = runner.invoke(app, ["deidentify", "1.2.3", "--data-dir", str(tmp_path)])
    assert unknown.exit_code == 1 and "not in the store" in unknown.output


def test_verify_pixels_option(tmp_path: Path) -> None:
    from pydicom.data import get_testdata_file

    good = str(get_testdata_file("JPEG2000.dcm"))
    args = ["import", good, "--verify-pixels", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "new instances: 1" in result.output


def _folder_with_strays(samples: SamplePaths, folder: Path) -> None:
    """A real hospital CD: DICOM beside a PNG and a README, one file breaking VR rules."""
    folder.mkdir()
    (folder / "mr.dcm").write_bytes(samples.mr.read_bytes())
    (folder / "scout.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "README.md").write_text("Patient CD. Open viewer.exe.\n")
    ds = pydicom.dcmread(samples.radiograph)
    with pydicom.config.disable_value_validation():
        ds.WindowCenter = "-1234.567890123456"  # 18 characters: breaks DS, real modalities do it
        ds.FrameOfReferenceUID = "1.2.840.10008.05"  # a leading zero: pydicom warns on reading
    ds.save_as(folder / "long_ds.dcm")


def test_strays_are_skipped_and_warnings_become_rows(samples: SamplePaths, tmp_path: Path) -> None:
    folder = tmp_path / "cd"
    _folder_with_strays(samples, folder)
    env = {**os.environ, "HUIZHEN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "400"}
    done = subprocess.run(
        [str(HUIZHEN), "import", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "new instances: 2" in done.stdout and "skipped (not DICOM): 2" in done.stdout
    assert "scout.png" in done.stdout and "README.md" in done.stdout
    assert "library_warning" in done.stdout and "long_ds.dcm" in done.stdout
    assert "Warning" not in done.stderr and "warnings.warn" not in done.stdout + done.stderr
