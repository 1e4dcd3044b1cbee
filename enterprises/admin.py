from django.contrib import admin

from enterprises.models import Enterprise, EnterpriseContact, Tag, Town


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "order"]
    search_fields = ["code", "name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ContactInline(admin.TabularInline):
    model = EnterpriseContact
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "town", "industry", "scale", "employees", "active"]
    list_filter = ["town", "scale", "active", "tags"]
    search_fields = ["name", "uscc", "legal_rep"]
    filter_horizontal = ["tags"]
    inlines = [ContactInline]


@admin.register(EnterpriseContact)
class EnterpriseContactAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise", "title", "phone", "user"]
    search_fields = ["name", "enterprise__name", "user__username", "phone"]
    autocomplete_fields = ["enterprise", "user"]
