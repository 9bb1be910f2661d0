from tests.world import build_world


async def test_world_builds_and_parent_sees_children(api):
    world = await build_world(api)
    me = (await api(world.a.parents["both"].token).get("/api/me")).json()
    assert sorted(c["first_name"] for c in me["children"]) == ["Inès", "Léa"]
    assert me["school"]["id"] == world.a.id
    # The classes of the children, so that the app can name them.
    assert {c["id"] for c in me["classes"]} == {world.a.classes["CP"], world.a.classes["CE1"]}
