"""Batches: up to 500 records per call, a result for each, a bad one does not stop the others."""

from rapport.customers.models import Person


def test_one_bad_record_does_not_stop_the_others(as_alice):
    response = as_alice.post(
        "/batch/persons",
        {
            "system": "shop",
            "records": [
                {"external_id": "C-1", "data": {"full_name": "张伟"}},
                {"external_id": "C-2", "data": {"full_name": "王芳", "shoe_size": 42}},
                {"external_id": "C-3", "data": {"full_name": "李娜", "birthday": "1990-02-30"}},
                {"external_id": "C-4", "data": {"full_name": "Emily Carter"}},
            ],
        },
    )

    body = response.json()
    assert response.status_code == 200, body
    assert [r["status"] for r in body["results"]] == ["created", "error", "error", "created"]
    assert body["results"][1]["error"]["details"] == {"shoe_size": ["Unknown field."]}
    assert body["results"][2]["http_status"] == 422
    assert body["counts"] == {"created": 2, "error": 2}
    assert set(Person.objects.values_list("full_name", flat=True)) == {"张伟", "Emily Carter"}


def test_a_batch_sent_again_changes_nothing(as_alice):
    batch = {"system": "shop", "records": [{"external_id": "C-1", "data": {"full_name": "张伟"}}]}
    as_alice.post("/batch/persons", batch)

    again = as_alice.post("/batch/persons", batch).json()

    assert again["counts"] == {"unchanged": 1}


def test_more_than_500_records_is_a_422(as_alice):
    records = [{"external_id": f"C-{i}", "data": {"full_name": "x"}} for i in range(501)]

    response = as_alice.post("/batch/persons", {"system": "shop", "records": records})

    assert response.status_code == 422
    assert not Person.objects.exists()
