"""Numbered schema migrations, applied in order on open (PRAGMA user_version tracks them).

Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: products, batches, units, counters and the append-only event log
    """
    CREATE TABLE products (
        id INTEGER PRIMARY KEY,
        sku TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        gtin TEXT UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        public_attributes TEXT NOT NULL DEFAULT '{}',
        private_notes TEXT NOT NULL DEFAULT '',
        lot_format TEXT NOT NULL,
        serial_format TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        product_id INTEGER NOT NULL REFERENCES products(id),
        lot TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
            ('in_production', 'quarantined', 'released', 'rejected', 'recalled')),
        made_on TEXT NOT NULL,
        best_before TEXT,
        planned_quantity INTEGER NOT NULL DEFAULT 0 CHECK (planned_quantity >= 0),
        created_at TEXT NOT NULL,
        UNIQUE (product_id, lot)
    );
    CREATE INDEX batches_lot ON batches(lot);
    CREATE INDEX batches_status ON batches(status);
    CREATE TABLE units (
        id INTEGER PRIMARY KEY,
        product_id INTEGER NOT NULL REFERENCES products(id),
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        serial TEXT NOT NULL,
        -- states are checked by a trigger on UPDATE: a CHECK here halves bulk allocation
        -- speed, and inserts always take the default
        state TEXT NOT NULL DEFAULT 'allocated',
        -- a serial is unique per product forever (GS1: never reused for the same GTIN)
        UNIQUE (product_id, serial)
    );
    CREATE INDEX units_batch ON units(batch_id, id);
    CREATE TRIGGER units_state_check BEFORE UPDATE OF state ON units
    WHEN NEW.state NOT IN ('allocated', 'printed', 'voided')
    BEGIN SELECT RAISE(ABORT, 'unknown unit state'); END;
    CREATE TRIGGER units_serial_fixed BEFORE UPDATE OF serial, product_id, batch_id ON units
    BEGIN SELECT RAISE(ABORT, 'a serial never changes or moves'); END;
    CREATE TRIGGER units_no_delete BEFORE DELETE ON units
    BEGIN SELECT RAISE(ABORT, 'serials are never deleted; void them instead'); END;
    -- product_id 0 holds the workshop-wide lot counter: generated lot codes then name one
    -- batch even without the SKU, which is what people at a bench expect.
    CREATE TABLE counters (
        product_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        scope TEXT NOT NULL,
        next_value INTEGER NOT NULL,
        PRIMARY KEY (product_id, kind, scope)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        station TEXT NOT NULL,
        user TEXT NOT NULL,
        product_id INTEGER REFERENCES products(id),
        batch_id INTEGER REFERENCES batches(id),
        serial TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_batch ON events(batch_id, id);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    """,
    # 2: printers and print jobs; each label of a job has a state, so a broken job can be
    # resumed without sending any label twice
    """
    CREATE TABLE printers (
        name TEXT PRIMARY KEY,
        uri TEXT NOT NULL,
        dpi INTEGER NOT NULL DEFAULT 203,
        language TEXT NOT NULL DEFAULT 'zpl',
        template TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE print_jobs (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        template TEXT NOT NULL,
        printer TEXT NOT NULL,
        dpi INTEGER NOT NULL,
        kind TEXT NOT NULL DEFAULT 'print' CHECK (kind IN ('print', 'reprint')),
        reason TEXT,
        station TEXT NOT NULL,
        user TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE print_job_labels (
        job_id INTEGER NOT NULL REFERENCES print_jobs(id),
        position INTEGER NOT NULL,
        unit_id INTEGER REFERENCES units(id),
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'confirmed', 'failed', 'voided')),
        PRIMARY KEY (job_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX print_job_labels_unit ON print_job_labels(unit_id);
    """,
    # 3: bearer tokens for stations that use the web API instead of the database file.
    """
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    """,
    # 4: traceability. Material lots and the batches that consumed them (genealogy), recipes
    # and QA checklists with their results, complaints, cartons, shipments and customers.
    # Results and complaints are append-only like the event log; the latest check result counts.
    """
    CREATE TABLE suppliers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE material_lots (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
        lot TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT '',
        quantity REAL,
        unit TEXT,
        public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
        received_at TEXT NOT NULL,
        UNIQUE (supplier_id, kind, lot)
    );
    CREATE INDEX material_lots_lot ON material_lots(lot);
    CREATE TABLE batch_inputs (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        material_lot_id INTEGER REFERENCES material_lots(id),
        input_batch_id INTEGER REFERENCES batches(id),
        quantity REAL,
        unit TEXT,
        at TEXT NOT NULL,
        CHECK ((material_lot_id IS NULL) <> (input_batch_id IS NULL)),
        CHECK (input_batch_id IS NULL OR input_batch_id <> batch_id)
    );
    CREATE INDEX batch_inputs_batch ON batch_inputs(batch_id);
    CREATE INDEX batch_inputs_material ON batch_inputs(material_lot_id);
    CREATE INDEX batch_inputs_input_batch ON batch_inputs(input_batch_id);
    CREATE TABLE product_recipes (
        product_id INTEGER PRIMARY KEY REFERENCES products(id),
        recipe TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE batch_steps (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        step TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '',
        user TEXT NOT NULL,
        station TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX batch_steps_batch ON batch_steps(batch_id, id);
    CREATE TABLE batch_checks (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        name TEXT NOT NULL,
        passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
        value REAL,
        notes TEXT NOT NULL DEFAULT '',
        user TEXT NOT NULL,
        station TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX batch_checks_batch ON batch_checks(batch_id, name, id);
    CREATE TABLE complaints (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        unit_id INTEGER REFERENCES units(id),
        kind TEXT NOT NULL CHECK (kind IN ('complaint', 'return')),
        text TEXT NOT NULL,
        user TEXT NOT NULL,
        station TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX complaints_batch ON complaints(batch_id);
    CREATE TABLE customers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE shipments (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        shipped_at TEXT NOT NULL,
        user TEXT NOT NULL,
        station TEXT NOT NULL
    );
    CREATE TABLE cartons (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('sscc', 'internal')),
        shipment_id INTEGER REFERENCES shipments(id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX cartons_shipment ON cartons(shipment_id);
    -- the primary key is the unit: a unit is in one carton at most, enforced here
    CREATE TABLE carton_units (
        unit_id INTEGER PRIMARY KEY REFERENCES units(id),
        carton_id INTEGER NOT NULL REFERENCES cartons(id),
        packed_at TEXT NOT NULL
    );
    CREATE INDEX carton_units_carton ON carton_units(carton_id);
    CREATE TRIGGER batch_steps_append_only BEFORE UPDATE ON batch_steps
    BEGIN SELECT RAISE(ABORT, 'recorded steps are append-only'); END;
    CREATE TRIGGER batch_steps_no_delete BEFORE DELETE ON batch_steps
    BEGIN SELECT RAISE(ABORT, 'recorded steps are append-only'); END;
    CREATE TRIGGER batch_checks_append_only BEFORE UPDATE ON batch_checks
    BEGIN SELECT RAISE(ABORT, 'check results are append-only'); END;
    CREATE TRIGGER batch_checks_no_delete BEFORE DELETE ON batch_checks
    BEGIN SELECT RAISE(ABORT, 'check results are append-only'); END;
    CREATE TRIGGER complaints_append_only BEFORE UPDATE ON complaints
    BEGIN SELECT RAISE(ABORT, 'complaints are append-only'); END;
    CREATE TRIGGER complaints_no_delete BEFORE DELETE ON complaints
    BEGIN SELECT RAISE(ABORT, 'complaints are append-only'); END;
    """,
    # 5: products withdrawn from sale (their pages answer 410) and product photos
    """
    CREATE TABLE product_withdrawals (
        product_id INTEGER PRIMARY KEY REFERENCES products(id),
        reason TEXT NOT NULL,
        user TEXT NOT NULL,
        station TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE product_photos (
        product_id INTEGER PRIMARY KEY REFERENCES products(id),
        media_type TEXT NOT NULL,
        data BLOB NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 6: GTINs kept in their 14-digit form, so 9506000134352 and 09506000134352 are one key.
    # A file may already hold one GTIN in two spellings on two products (scans went to the
    # first): the later product keeps its records but loses the GTIN, and an event on it says
    # which GTIN it had, so the maker can give it its own.
    """
    INSERT INTO events (at, kind, station, user, product_id, detail)
    SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), 'gtin_cleared', 'upgrade', 'batchlabel',
           p.id, json_object('gtin', p.gtin, 'reason',
           'the same GTIN as product ' || (SELECT q.sku FROM products q WHERE q.id < p.id
             AND substr('00000000000000' || q.gtin, -14) = substr('00000000000000' || p.gtin, -14)
             ORDER BY q.id LIMIT 1))
    FROM products p
    WHERE p.gtin IS NOT NULL AND EXISTS (SELECT 1 FROM products q WHERE q.id < p.id
      AND substr('00000000000000' || q.gtin, -14) = substr('00000000000000' || p.gtin, -14));
    UPDATE products SET gtin = NULL
    WHERE gtin IS NOT NULL AND EXISTS (SELECT 1 FROM products q WHERE q.id < products.id
      AND substr('00000000000000' || q.gtin, -14) = substr('00000000000000' || products.gtin, -14));
    UPDATE products SET gtin = substr('00000000000000' || gtin, -14)
    WHERE gtin IS NOT NULL AND length(gtin) < 14;
    """,
    # 7: people who sign in to the station, and their sign-ins (only token hashes are kept)
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('packer', 'qa', 'admin')),
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sign_ins (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE INDEX sign_ins_user ON sign_ins (user_id);
    """,
    # 8: quantities that are not finite numbers (accepted before they were checked) are
    # cleared, with an event each, so traces and EPCIS exports read again
    """
    INSERT INTO events (at, kind, station, user, batch_id, detail)
    SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), 'quantity_cleared', 'upgrade',
           'batchlabel', batch_id, json_object('input', id, 'quantity', CAST(quantity AS TEXT))
    FROM batch_inputs WHERE quantity IN (9e999, -9e999);
    UPDATE batch_inputs SET quantity = NULL WHERE quantity IN (9e999, -9e999);
    INSERT INTO events (at, kind, station, user, detail)
    SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), 'quantity_cleared', 'upgrade',
           'batchlabel', json_object('material_lot', id, 'quantity', CAST(quantity AS TEXT))
    FROM material_lots WHERE quantity IN (9e999, -9e999);
    UPDATE material_lots SET quantity = NULL WHERE quantity IN (9e999, -9e999);
    """,
    # 9: the media a printer has loaded (Brother QL: "62" continuous tape, "62x29" labels)
    """
    ALTER TABLE printers ADD COLUMN media TEXT;
    """,
    # 10: what each saved printer said the last time it was asked
    """
    ALTER TABLE printers ADD COLUMN last_status TEXT;
    ALTER TABLE printers ADD COLUMN last_checked TEXT;
    """,
    # 11: a receiving session's scans found by session number (the station lists sessions
    # with their counts), and cartons closed for shipping
    """
    CREATE INDEX events_session ON events(kind, json_extract(detail, '$.session'));
    ALTER TABLE cartons ADD COLUMN closed_at TEXT;
    """,
)
