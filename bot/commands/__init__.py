"""The front-end-neutral command layer: one table of commands, one parser, one error path.

How a front end that reads typed text (Matrix, the console) uses it::

    layer = CommandLayer(services, Limits(max_upload_bytes=..., download_timeout_seconds=...))
    invocation = Invocation(
        platform=Platform.MATRIX,
        place_id=room_place_id,            # what the core takes as guild_id
        actor=Actor(account_id, name, is_organiser=power_level >= 50),
        values={},                         # filled in by execute()
        style=my_style,                    # when/bold/code/escape/command/person
        resolve_member=my_resolver,        # async (typed text) -> account id | None
        attachment=replied_to_file,        # or None; read() is only awaited when needed
    )
    answer = await layer.execute(message_text, invocation)
    # answer.text (+ answer.title), answer.private, answer.file = (name, bytes) | None
    if answer.confirm is not None:        # ask; later, when someone confirms:
        done = await layer.confirm(answer.confirm, invocation, clicker_actor_now)

Front ends that must know the command first (to fetch a file only when it wants
one) call `layer.parse(text, platform)`, answer a `UsageError` with
`layer.refuse(error, invocation)`, and then `layer.run(parsed, invocation)`;
`parsed.command.wants_file` says whether to fetch.

`spec.COMMANDS` is the table (help text, options, organiser-only); `plain.PlainStyle`
is a reference Style; `spelling.respell` turns the core's `/command` into the
platform's spelling (the layer already does this for refusals).
"""
