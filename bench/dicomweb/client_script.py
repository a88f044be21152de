"""List, retrieve and render a room's studies from a live huizhen server with dicomweb-client.

    .venv/bin/python -m bench.dicomweb.client_script URL TOKEN [--out DIR]

URL is the server's base (``http://127.0.0.1:8000``), TOKEN a room token (or the admin API
key). For every study the token admits: its series and instances, the first instance (as
stored), its metadata and first frame, and a rendered PNG written to ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dicomweb_client.api import DICOMwebClient


def value(item: dict[str, dict[str, list[object]]], tag: str) -> str:
    found = item.get(tag, {}).get("Value", [""])
    return str(found[0])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--out", type=Path, default=Path("rendered"))
    args = parser.parse_args()
    client = DICOMwebClient(
        f"{args.url.rstrip('/')}/dicom-web", headers={"Authorization": f"Bearer {args.token}"}
    )
    args.out.mkdir(parents=True, exist_ok=True)
    for study in client.search_for_studies():
        study_uid = value(study, "0020000D")
        print(f"study {study_uid}  {value(study, '00100010')}  {value(study, '00081030')}")
        for series in client.search_for_series(study_uid):
            series_uid = value(series, "0020000E")
            instances = client.search_for_instances(study_uid, series_uid)
            print(f"  series {series_uid}  {value(series, '00080060')}  {len(instances)} instances")
            sop_uid = value(instances[0], "00080018")
            ds = client.retrieve_instance(
                study_uid, series_uid, sop_uid, media_types=(("application/dicom", "*"),)
            )
            meta = client.retrieve_instance_metadata(study_uid, series_uid, sop_uid)
            frame = client.retrieve_instance_frames(
                study_uid, series_uid, sop_uid, frame_numbers=[1]
            )
            png = client.retrieve_instance_rendered(
                study_uid, series_uid, sop_uid, media_types=("image/png",)
            )
            target = args.out / f"{sop_uid}.png"
            target.write_bytes(png)
            print(
                f"    instance {sop_uid}: {ds.file_meta.TransferSyntaxUID.name}, "
                f"{len(meta)} metadata attributes, frame 1 {len(frame[0])} bytes, rendered {target}"
            )


if __name__ == "__main__":
    main()
