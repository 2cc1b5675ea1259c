-- +goose Up
-- create "documents" table
CREATE TABLE `documents` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `title` text NOT NULL, `created_at` datetime NOT NULL, `file_path` text NOT NULL, `file_name` text NOT NULL, `file_size` integer NOT NULL, `file_content_type` text NOT NULL, `file_sha256` text NOT NULL, `file_width` integer NULL, `file_height` integer NULL, `image_path` text NULL, `image_name` text NULL, `image_size` integer NULL, `image_content_type` text NULL, `image_sha256` text NULL, `image_width` integer NULL, `image_height` integer NULL);
-- create index "document_file_path" to table: "documents"
CREATE UNIQUE INDEX `document_file_path` ON `documents` (`file_path`);
-- create index "document_image_path" to table: "documents"
CREATE INDEX `document_image_path` ON `documents` (`image_path`);
-- create "products" table
CREATE TABLE `products` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `description` text NOT NULL DEFAULT (''), `price` integer NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL);
-- set sequence for "products" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("products", 4294967296);
-- create "product_images" table
CREATE TABLE `product_images` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `alt` text NOT NULL DEFAULT (''), `position` integer NOT NULL DEFAULT (0), `created_at` datetime NOT NULL, `image_path` text NOT NULL, `image_name` text NOT NULL, `image_size` integer NOT NULL, `image_content_type` text NOT NULL, `image_sha256` text NOT NULL, `image_width` integer NULL, `image_height` integer NULL, `product_id` integer NOT NULL, CONSTRAINT `product_images_products_images` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`) ON DELETE CASCADE);
-- set sequence for "product_images" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("product_images", 8589934592);
-- create index "productimage_product_id_position" to table: "product_images"
CREATE INDEX `productimage_product_id_position` ON `product_images` (`product_id`, `position`);
-- create index "productimage_image_path" to table: "product_images"
CREATE UNIQUE INDEX `productimage_image_path` ON `product_images` (`image_path`);

-- +goose Down
-- reverse: create index "productimage_image_path" to table: "product_images"
DROP INDEX `productimage_image_path`;
-- reverse: create index "productimage_product_id_position" to table: "product_images"
DROP INDEX `productimage_product_id_position`;
-- reverse: set sequence for "product_images" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "product_images";
-- reverse: create "product_images" table
DROP TABLE `product_images`;
-- reverse: set sequence for "products" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "products";
-- reverse: create "products" table
DROP TABLE `products`;
-- reverse: create index "document_image_path" to table: "documents"
DROP INDEX `document_image_path`;
-- reverse: create index "document_file_path" to table: "documents"
DROP INDEX `document_file_path`;
-- reverse: create "documents" table
DROP TABLE `documents`;
