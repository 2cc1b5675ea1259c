package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Document is a titled file (PDF, DOCX or TXT) with an optional image.
type Document struct {
	ent.Schema
}

// Fields of the Document.
func (Document) Fields() []ent.Field {
	fields := []ent.Field{
		field.String("title").
			NotEmpty().
			Validate(maxRunes(100)).
			SchemaType(varchar(100)).
			Annotations(entgql.OrderField("TITLE")),
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
	}
	fields = append(fields, mediaFileFields("file", false)...)
	return append(fields, mediaFileFields("image", true)...)
}

// Indexes of the Document.
func (Document) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("file_path").Unique(),
		index.Fields("image_path"),
	}
}

// Annotations of the Document.
func (Document) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
