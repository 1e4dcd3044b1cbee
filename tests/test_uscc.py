import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from enterprises.models import Enterprise
from enterprises.validators import build_uscc, uscc_check_char, uscc_error, validate_uscc
from tests.factories import EnterpriseFactory, TownFactory

# Published codes: the GB 32100-2015 example and two registered enterprises.
KNOWN_VALID = ["91350100M000100Y43", "91110000100006485K", "91330000142916567N"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_published_codes_are_valid(code):
    assert uscc_error(code) is None


def test_check_character_is_recomputed_from_first_17():
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_lowercase_and_spaces_are_normalised_before_checking():
    assert uscc_error("  91350100m000100y43 ") is None


def test_wrong_check_character_names_expected_and_actual():
    message = uscc_error("91350100M000100Y44")
    assert "校验位错误" in message and "应为“3”" in message and "实际为“4”" in message


@pytest.mark.parametrize("code,length", [("91350100M000100Y4", 17), ("91350100M000100Y433", 19), ("", 0)])
def test_wrong_length_is_refused_with_the_length(code, length):
    assert f"当前为 {length} 位" in uscc_error(code)


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters_are_refused_by_position(letter):
    code = "91350100M" + letter + "00100Y43"
    message = uscc_error(code)
    assert "第 10 位" in message and letter in message and "不使用字母" in message


def test_punctuation_is_refused():
    assert "只能是数字和大写字母" in uscc_error("91350100M000100-43")


def test_validator_raises_validation_error():
    with pytest.raises(ValidationError) as info:
        validate_uscc("91350100M000100Y44")
    assert info.value.code == "invalid_uscc"


def test_built_codes_validate():
    assert uscc_error(build_uscc("330421", "MA2B1C3D")) is None


@pytest.mark.django_db
def test_enterprise_full_clean_rejects_bad_uscc_on_the_field():
    enterprise = Enterprise(uscc="91350100M000100Y44", name="测试", town=TownFactory())
    with pytest.raises(ValidationError) as info:
        enterprise.full_clean()
    assert "uscc" in info.value.message_dict


@pytest.mark.django_db
def test_database_refuses_duplicate_uscc():
    existing = EnterpriseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory(uscc=existing.uscc)


@pytest.mark.django_db
def test_database_refuses_malformed_uscc_even_without_full_clean():
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory(uscc="91350100m0001OOY43")
