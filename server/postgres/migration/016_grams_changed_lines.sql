-- The counts of an edit move with the lines that changed only. Migration 013 took every
-- gram of a user's old text and of their new one, about a hundred each, and let the ones
-- in both cancel: an edit of a last name paid for the whole text twice, 0.29 ms of the
-- database's time a user, two thirds of an import batch that renames 500 people.
--
-- A user who keeps their organization, role and activation now has only the grams of the
-- lines (fields) that differ between the two texts looked at, and each counts +1, -1 or
-- 0 by whether the new and the old text hold it. That is exact: a gram of one or two
-- characters is in a text exactly when one of its lines holds it (strpos on the whole
-- text finds no pair across a line break: no gram holds one), so a gram of the lines
-- that stayed is in both texts and cannot move. A user who changes group and text still
-- has both sets taken, and one who changes group only has their grams taken once, as
-- before.
CREATE OR REPLACE FUNCTION user_grams_update() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
	-- Most updates move no gram (a sign-in, a password): they are let go after one cheap
	-- join rather than the whole statement below.
	IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
		WHERE (o.search, o.organization_id, o.role, o.activated) IS DISTINCT FROM (n.search, n.organization_id, n.role, n.activated)) THEN
		RETURN NULL;
	END IF;
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT organization_id, gram, role, activated, SUM(d) FROM (
		-- Same text, another group: the grams move, taken once.
		SELECT k.organization_id, m.gram, k.role, k.activated, m.n * k.d AS d
		FROM (SELECT o.organization_id AS old_org, o.role AS old_role, o.activated AS old_activated,
				n.organization_id AS new_org, n.role AS new_role, n.activated AS new_activated, g.gram, COUNT(*) AS n
			FROM old_rows o JOIN new_rows n ON n.id = o.id CROSS JOIN LATERAL search_grams(o.search) g
			WHERE o.search = n.search AND (o.organization_id, o.role, o.activated) IS DISTINCT FROM (n.organization_id, n.role, n.activated)
			GROUP BY 1, 2, 3, 4, 5, 6, 7) m
		CROSS JOIN LATERAL (VALUES (m.old_org, m.old_role, m.old_activated, -1), (m.new_org, m.new_role, m.new_activated, 1))
			AS k (organization_id, role, activated, d)
		UNION ALL
		-- Another text and another group: the old grams leave the old group, the new ones
		-- join the new group.
		SELECT k.organization_id, g.gram, k.role, k.activated, k.d
		FROM old_rows o JOIN new_rows n ON n.id = o.id
		CROSS JOIN LATERAL (VALUES (o.organization_id, o.role, o.activated, o.search, -1), (n.organization_id, n.role, n.activated, n.search, 1))
			AS k (organization_id, role, activated, search, d)
		CROSS JOIN LATERAL search_grams(k.search) g
		WHERE o.search != n.search AND (o.organization_id, o.role, o.activated) IS DISTINCT FROM (n.organization_id, n.role, n.activated)
		UNION ALL
		-- Another text, the same group: the grams of the lines that differ, each counted by
		-- whether the new text holds it and the old one did.
		SELECT n.organization_id, c.gram, n.role, n.activated,
			(strpos(n.search, c.gram) > 0)::int - (strpos(o.search, c.gram) > 0)::int
		FROM old_rows o JOIN new_rows n ON n.id = o.id
		CROSS JOIN LATERAL search_grams((SELECT string_agg(l, E'\n') FROM (
			(SELECT unnest(string_to_array(o.search, E'\n')) EXCEPT SELECT unnest(string_to_array(n.search, E'\n')))
			UNION
			(SELECT unnest(string_to_array(n.search, E'\n')) EXCEPT SELECT unnest(string_to_array(o.search, E'\n')))) AS x (l))) c
		WHERE o.search != n.search AND (o.organization_id, o.role, o.activated) IS NOT DISTINCT FROM (n.organization_id, n.role, n.activated)) c
	GROUP BY 1, 2, 3, 4 HAVING SUM(d) != 0 ORDER BY 1, 2, 3, 4
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = user_grams.n + excluded.n;
	RETURN NULL;
END $$;
