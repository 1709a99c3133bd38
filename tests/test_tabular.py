"""A user's CSV file (``lossviz.tabular.read_csv``): good files give their numbers exactly,
and every bad file is refused with a message that names the line or the column."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz.tabular import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, Table, read_csv


def test_a_good_file_gives_its_numbers_and_names():
    t = read_csv(b"height,weight\n1.5,60\n1.75,72.5\n-2e-1,3\n")
    assert isinstance(t, Table)
    assert t.names == ("height", "weight")
    assert t.rows == 3
    np.testing.assert_array_equal(t.values, [[1.5, 60.0], [1.75, 72.5], [-0.2, 3.0]])
    assert t.values.dtype == np.float64
    assert not t.values.flags.writeable
    x, y = t.pair(feature="height", target="weight")
    np.testing.assert_array_equal(x, [1.5, 1.75, -0.2])
    np.testing.assert_array_equal(y, [60.0, 72.5, 3.0])


def test_excel_habits_are_read():
    # A byte-order mark, Windows line ends, quoted cells, spaces and a blank last line.
    t = read_csv('\ufeff"a", b \r\n "1",2\r\n3, 4 \r\n\r\n'.encode())
    assert t.names == ("a", "b")
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4]])


def test_columns_that_cannot_be_fitted_are_left_out_with_the_reason():
    t = read_csv(b"id,x,name,flat,gap,y\n1,1,a,5,1,2\n2,2,b,5,,4\n3,3,c,5,3,7\n")
    assert t.names == ("id", "x", "y")
    assert t.skipped["name"] == "not numeric: line 2 holds 'a'"
    assert "same value (5)" in t.skipped["flat"]
    assert t.skipped["gap"] == "line 3 has an empty cell (a missing value)"
    with pytest.raises(ValueError, match="column 'name' cannot be used: not numeric: line 2"):
        t.column("name")
    with pytest.raises(ValueError, match="no column 'zzz'"):
        t.column("zzz")
    with pytest.raises(ValueError, match="both 'x'"):
        t.pair(feature="x", target="x")


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "1e999"])
def test_nan_and_inf_written_out_are_not_numbers(text):
    t = read_csv(f"x,y,z\n1,{text},1\n2,3,5\n".encode())
    assert "y" not in t.names
    assert t.skipped["y"].startswith(f"line 2 holds {text!r}, which is not a finite number")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b" \n\n", "the file is empty", id="blank"),
        pytest.param(b"x,y\n", r"0 line\(s\) of numbers", id="header-only"),
        pytest.param(b"x,y\n1,2\n", r"1 line\(s\) of numbers", id="one-row"),
        pytest.param(b"x,y\n1,2\n3\n", r"line 3 has 1 field\(s\); the header \(line 1\) names 2",
                     id="ragged"),
        pytest.param(b"x,y,x\n1,2,3\n4,5,6\n", "column name 'x' appears twice in the header "
                     r"\(columns 1 and 3\)", id="duplicate-name"),
        pytest.param(b"x,,y\n1,2,3\n4,5,6\n", "column 2 has no name", id="unnamed"),
        pytest.param(b"1,2\n3,4\n5,6\n", "first line holds numbers, not column names",
                     id="no-header"),
        pytest.param(b"x;y\n1;2\n3;4\n", "names one column \\('x;y'\\)", id="semicolons"),
        pytest.param(b"x,y\n1,\"2\n3,4\n", "not a CSV file the csv module can read: line 3",
                     id="open-quote"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file: byte 9 is a "
                     "NUL byte", id="image"),
        pytest.param("x,température\n1,2\n3,4\n".encode("latin-1"),
                     "not UTF-8 text: byte 0xE9 on line 1", id="latin-1"),
        pytest.param("x,y\n1,2\n3,4\n".encode("utf-16"), "UTF-16 text", id="utf-16"),
        pytest.param("x,y\n1,2\n3,4\n".encode("utf-16-le"), "NUL byte", id="utf-16-no-bom"),
        pytest.param(b"x,y\n1,1e13\n2,3\n", r"'y': line 2 holds '1e13', beyond ±1e\+12",
                     id="too-large"),
        pytest.param(b"x,name\n1,a\n2,b\n", r"two numeric columns \(a feature, and a target or "
                     r"labels\), and has 1 \('name': not numeric: line 2 holds 'a'\)",
                     id="non-numeric"),
        pytest.param(b"x,y\n1,\n2,3\n", r"'y': line 2 has an empty cell", id="missing"),
        pytest.param(b"x,y\n1,4\n2,4\n", r"'y': the same value \(4\) on every line",
                     id="constant"),
        pytest.param(b"x,y\n1,nan\n2,3\n", "'y': line 2 holds 'nan'", id="nan"),
        pytest.param(b"x,a\x07b\n1,2\n3,4\n", "the name of column 2: U\\+0007", id="control"),
        pytest.param(b"x," + b"n" * 61 + b"\n1,2\n3,4\n", "61 characters long; at most 60",
                     id="long-name"),
    ],
)
def test_a_bad_file_is_refused_with_a_message_naming_where(data, message):
    with pytest.raises(ValueError, match=message):
        read_csv(data)


def test_the_bounds_are_enforced_and_said():
    with pytest.raises(ValueError, match=f"at most {MAX_BYTES:,}"):
        read_csv(b"x,y\n" + b"1,2\n" * (MAX_BYTES // 4))
    with pytest.raises(ValueError, match=f"more than {MAX_ROWS:,} lines of numbers"):
        read_csv(b"x,y\n" + b"1,2\n" * MAX_ROWS + b"3,4\n")
    assert read_csv(b"x,y\n" + b"1,2\n" * (MAX_ROWS - 1) + b"3,5\n").rows == MAX_ROWS
    wide = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)).encode()
    with pytest.raises(ValueError, match=f"{MAX_COLUMNS + 1} columns; at most {MAX_COLUMNS}"):
        read_csv(wide + b"\n" + b",".join([b"1"] * (MAX_COLUMNS + 1)) + b"\n")
    with pytest.raises(ValueError, match="at most 10 "):
        read_csv(b"x,y\n1,2\n3,4\n", max_bytes=10)


def test_nothing_in_a_cell_is_evaluated():
    # Python or formula text is refused as text, never run.
    t = read_csv(b"x,y,z\n1,2,__import__('os')\n2,5,=1+1\n")
    assert t.names == ("x", "y")
    assert t.skipped["z"] == "not numeric: line 2 holds \"__import__('os')\""
    with pytest.raises(ValueError, match="expected the file's bytes"):
        read_csv("x,y\n1,2\n")  # text, not bytes


def test_labels_of_two_values_make_the_larger_class_1():
    table = read_csv(b"x,spam\n1,-1\n2,1\n3,1\n")
    y, positive = table.labels("spam")
    np.testing.assert_array_equal(y, [0.0, 1.0, 1.0])
    assert positive == 1.0
    assert not y.flags.writeable


def test_labels_of_more_values_take_the_one_named_against_the_rest():
    table = read_csv(b"x,species\n1,0\n2,1\n3,2\n4,1\n")
    with pytest.raises(ValueError, match=r"holds 3 different values \(0, 1, 2\): say which one "
                                         r"is class 1"):
        table.labels("species")
    y, positive = table.labels("species", 1.0)
    np.testing.assert_array_equal(y, [0.0, 1.0, 0.0, 1.0])
    assert positive == 1.0
    with pytest.raises(ValueError, match="holds no 7; its values are 0, 1, 2"):
        table.labels("species", 7.0)


def test_a_column_of_many_values_is_not_labels():
    rows = "".join(f"{i},{i * 0.5}\n" for i in range(30))
    table = read_csv(("x,height\n" + rows).encode())
    with pytest.raises(ValueError, match=r"holds 30 different values .*at most 20"):
        table.labels("height", 0.5)
