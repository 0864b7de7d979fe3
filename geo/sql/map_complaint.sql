-- One complaint with its diagnosis (the contract's diagnosis object) for the map's popup.
SELECT c.complaint_id, c.external_id, c.msisdn_masked, c.reported_at, c.lat, c.lon, c.cell_id,
       c.symptom, c.description, c.indoor, c.floor, c.frequency, c.neighbours_affected,
       c.channel, c.urgent, c.diagnosis_status,
       d.result::jsonb || jsonb_build_object('mass_event_id', d.mass_event_id,
                                      'work_order_id', d.work_order_id) AS diagnosis
FROM complaints c
LEFT JOIN diagnoses d ON d.complaint_id = c.complaint_id
WHERE c.complaint_id = %(complaint_id)s
