"""What the DOCX reader and writer agree on: namespaces, the title block's style names,
the back-matter bookmark, and how large a Word file may unpack.

Private helper of :mod:`briefconv.formats.docx_reader` and
:mod:`briefconv.formats.docx_writer` (the format is described in
:mod:`briefconv.formats.docx`).  The writer names its title-block paragraphs and runs
with these styles and the reader takes them back into metadata by the same names.
"""

from __future__ import annotations

import io

from briefconv.errors import InputError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_DOCUMENT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"

#: A part larger than this when uncompressed is refused before it is read.
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024


# The styles of the title block.  Paragraph styles: (style id, name).
ORGANISATION = ("BriefOrganisation", "Brief Organisation")
MASTHEAD = ("BriefMasthead", "Brief Masthead")
AUTHOR = ("Author", "Author")  # pandoc's names, so its reference documents style them
AUTHOR_DETAILS = ("BriefAuthorDetails", "Brief Author Details")
ABSTRACT = ("Abstract", "Abstract")
KEYWORDS = ("BriefKeywords", "Brief Keywords")
DISCLAIMER = ("BriefDisclaimer", "Brief Disclaimer")
LICENCE = ("BriefLicence", "Brief Licence")
# Character styles that mark the parts of a title-block line.
LABEL = ("BriefLabel", "Brief Label")
SERIES = ("BriefSeries", "Brief Series")
SERIES_NUMBER = ("BriefSeriesNumber", "Brief Series Number")
PLACE = ("BriefPlace", "Brief Place")
DATE = ("BriefDate", "Brief Date")
IDENTIFIER = ("BriefIdentifier", "Brief Identifier")
HONORIFIC = ("BriefHonorific", "Brief Honorific")
ROLE = ("BriefRole", "Brief Role")
AFFILIATION = ("BriefAffiliation", "Brief Affiliation")
EMAIL = ("BriefEmail", "Brief Email")

#: How identifier schemes are labelled in the masthead ("ISSN 2347-3703").
IDENTIFIER_LABELS = {"issn": "ISSN", "eissn": "eISSN", "isbn": "ISBN", "doi": "DOI",
                     "report-number": "Report No.", "journal-id": "Journal ID", "url": "URL"}

#: A hidden bookmark on the first back-matter paragraph: how the reader tells it from the body.
BACK_BOOKMARK = "_BriefBackMatter"


def w(tag: str) -> str:
    """The Clark name of a WordprocessingML element or attribute."""
    return f"{{{W_NS}}}{tag}"


def local_name(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def check_zip_sizes(data: bytes, what: str) -> None:
    """Refuse a zip whose parts unpack to more than we are willing to hold (a zip bomb)."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE compound file: .doc, or an encrypted .docx
            raise InputError(f"the {what} is an old-format (.doc) or password-protected Word file; "
                             "save it as an unprotected .docx") from None
        raise InputError(f"the {what} is not a DOCX file (not a zip archive)") from None
    except (UnicodeDecodeError, ValueError, OSError, EOFError, NotImplementedError) as exc:
        # zipfile raises these for a zip directory it cannot make sense of (a member name
        # flagged UTF-8 that is not, impossible offsets)
        raise InputError(f"the {what} is a damaged zip archive: {exc}") from None
    total = 0
    for info in archive.infolist():
        if info.file_size > MAX_PART_BYTES:
            raise InputError(f"the {what} part {info.filename!r} unpacks to more than "
                             f"{MAX_PART_BYTES // (1024 * 1024)} MiB; refused")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise InputError(f"the {what} unpacks to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MiB; refused")
