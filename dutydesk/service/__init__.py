"""The service: one room per concern, composed by ``dutydesk.desk.Desk``.

- ``uow``: the unit of work (write with retry, read, journal append, event time, who acts)
- ``integrity``: the journal key, verification, shift seals
- ``directory``: units and staff
- ``incidents``: the incident lifecycle
- ``deadlines``: deadline re-derivation after a level change, meet, waive
- ``alarms``: alarms acknowledged (per deadline and stage, journaled) and the reads of the alarm list
- ``shifts``: shifts and handover
- ``transfer``: imports and exports
- ``queries``: the read model the console, the CLI and the reports share
- ``history``: period reads for the reports (shifts, handovers, seals, the journal of a period, disputes)
- ``readside``: the read side as a Protocol, for readers typed without ``Desk``
"""
