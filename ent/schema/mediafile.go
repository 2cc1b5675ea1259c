package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// mediaFileFields are the columns that record one stored file: its storage
// key (path), the client's file name, and what the server learned from the
// content; for an image, also the content type of its renditions (decided
// from its header when it is stored: JPEG, or PNG where it may hold
// transparency; empty when they cannot be made, so the original stands in
// for them) and its placeholder (a data: URI of at most 1 KB, written once
// the renditions are made). GraphQL shows them as one MediaFile object
// (graph/schema.graphqls), so they are hidden from the generated schema. An
// optional file has nullable columns; the path then tells whether the file
// is present.
func mediaFileFields(prefix string, optional bool) []ent.Field {
	fields := []ent.Field{
		field.String(prefix + "_path").MaxLen(512),
		field.String(prefix + "_name").MaxLen(1024),
		field.Int64(prefix + "_size"),
		field.String(prefix + "_content_type").MaxLen(255),
		field.String(prefix + "_sha256").MaxLen(64),
		field.Int(prefix + "_width").Optional().Nillable(),
		field.Int(prefix + "_height").Optional().Nillable(),
		field.String(prefix + "_variant_type").MaxLen(255).Optional().Nillable(),
		field.String(prefix + "_placeholder").MaxLen(1024).Optional().Nillable(),
	}
	for i, f := range fields {
		d := f.Descriptor()
		if optional {
			d.Optional = true
			d.Nillable = true
		}
		d.Annotations = append(d.Annotations, entgql.Skip())
		fields[i] = f
	}
	return fields
}
