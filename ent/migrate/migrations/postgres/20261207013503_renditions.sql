-- +goose Up
-- modify "documents" table
ALTER TABLE "documents" ADD COLUMN "file_variant_type" character varying NULL, ADD COLUMN "file_placeholder" character varying NULL, ADD COLUMN "image_variant_type" character varying NULL, ADD COLUMN "image_placeholder" character varying NULL;
-- modify "product_images" table
ALTER TABLE "product_images" ADD COLUMN "image_variant_type" character varying NULL, ADD COLUMN "image_placeholder" character varying NULL;

-- +goose Down
-- reverse: modify "product_images" table
ALTER TABLE "product_images" DROP COLUMN "image_placeholder", DROP COLUMN "image_variant_type";
-- reverse: modify "documents" table
ALTER TABLE "documents" DROP COLUMN "image_placeholder", DROP COLUMN "image_variant_type", DROP COLUMN "file_placeholder", DROP COLUMN "file_variant_type";
