-- Which process applied the row (its application_name): the rebalance test tells its members apart by it.
ALTER TABLE ${flyway:defaultSchema}.seen ADD COLUMN applied_by text NOT NULL DEFAULT current_setting('application_name');
