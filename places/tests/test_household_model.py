import pytest

from linli import testing as t


@pytest.mark.django_db
def test_a_household_reads_its_door_and_address_as_residents_say_them(compound):
    building = t.make_building(compound, "3号楼")
    household = t.make_household(building, "401", unit="2", area_m2=86.5)
    assert household.door == "3-2-401"
    assert household.address == "供销巷小区3号楼2单元401"
    assert household.floor_area_centi_m2 == 8650
    assert household.floor_area_m2 == "86.50"
