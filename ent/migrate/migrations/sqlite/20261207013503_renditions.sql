-- +goose Up
-- add column "file_variant_type" to table: "documents"
ALTER TABLE `documents` ADD COLUMN `file_variant_type` text NULL;
-- add column "file_placeholder" to table: "documents"
ALTER TABLE `documents` ADD COLUMN `file_placeholder` text NULL;
-- add column "image_variant_type" to table: "documents"
ALTER TABLE `documents` ADD COLUMN `image_variant_type` text NULL;
-- add column "image_placeholder" to table: "documents"
ALTER TABLE `documents` ADD COLUMN `image_placeholder` text NULL;
-- add column "image_variant_type" to table: "product_images"
ALTER TABLE `product_images` ADD COLUMN `image_variant_type` text NULL;
-- add column "image_placeholder" to table: "product_images"
ALTER TABLE `product_images` ADD COLUMN `image_placeholder` text NULL;

-- +goose Down
-- reverse: add column "image_placeholder" to table: "product_images"
ALTER TABLE `product_images` DROP COLUMN `image_placeholder`;
-- reverse: add column "image_variant_type" to table: "product_images"
ALTER TABLE `product_images` DROP COLUMN `image_variant_type`;
-- reverse: add column "image_placeholder" to table: "documents"
ALTER TABLE `documents` DROP COLUMN `image_placeholder`;
-- reverse: add column "image_variant_type" to table: "documents"
ALTER TABLE `documents` DROP COLUMN `image_variant_type`;
-- reverse: add column "file_placeholder" to table: "documents"
ALTER TABLE `documents` DROP COLUMN `file_placeholder`;
-- reverse: add column "file_variant_type" to table: "documents"
ALTER TABLE `documents` DROP COLUMN `file_variant_type`;
